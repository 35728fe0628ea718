-- int_keys__payer: one stable payer_key per EDW payer_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct payer_id
    from {{ ref('stg_phm_edw__payer') }}
),

{{ assign_stable_keys(['payer_id'], 'payer_key') }}
