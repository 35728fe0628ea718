-- int_keys__bundle: one stable bundle_key per bundle_code.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct bundle_code from {{ ref('care_gap_bundles') }}
),

{{ assign_stable_keys(['bundle_code'], 'bundle_key') }}
