-- int_keys__organization: one stable org_key per EDW org_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct org_id from {{ ref('stg_phm_edw__organization') }}
),

{{ assign_stable_keys(['org_id'], 'org_key') }}
