-- int_keys__allergy: one stable allergy_key per EDW allergy_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct allergy_id
    from {{ ref('stg_phm_edw__allergy') }}
),

{{ assign_stable_keys(['allergy_id'], 'allergy_key') }}
