-- int_keys__condition: one stable condition_key per EDW condition_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct condition_id
    from {{ ref('stg_phm_edw__condition') }}
),

{{ assign_stable_keys(['condition_id'], 'condition_key') }}
