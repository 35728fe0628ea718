-- int_keys__medication: one stable medication_key per EDW medication_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct medication_id
    from {{ ref('stg_phm_edw__medication') }}
),

{{ assign_stable_keys(['medication_id'], 'medication_key') }}
