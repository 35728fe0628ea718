-- int_keys__procedure: one stable procedure_key per EDW procedure_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct procedure_id
    from {{ ref('stg_phm_edw__procedure') }}
),

{{ assign_stable_keys(['procedure_id'], 'procedure_key') }}
