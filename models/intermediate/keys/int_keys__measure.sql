-- int_keys__measure: one stable measure_key per measure_code (the catalogue's and the EDW's).
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select measure_code from {{ ref('measures') }}
    union
    select measure_code from {{ ref('stg_phm_edw__measure_definition') }}
),

{{ assign_stable_keys(['measure_code'], 'measure_key') }}
