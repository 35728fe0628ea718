-- Issue 13, 1: every coded EDW value maps to a normalised value. Warns (never fails the build): one row
-- per unmapped vocabulary x raw spelling, with its row count; the rows are kept as UNMAPPED.
{{ config(severity='warn') }}

select
    vocabulary,
    raw_value,
    row_count
from {{ ref('int_vocabulary__unmapped_values') }}
