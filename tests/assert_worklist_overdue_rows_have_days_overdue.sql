-- Issue 13, 3.6: every overdue worklist row says by how many days (never NULL, never negative).
select
    detail_key,
    days_overdue
from {{ ref('mv_care_gap_worklist') }}
where is_overdue and (days_overdue is null or days_overdue < 0)
