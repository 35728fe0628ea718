-- int_keys__patient_version: one stable patient_key per patient version
-- (patient_id, valid-from) of the Type 2 snapshot.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select
        patient_id,
        dbt_valid_from
    from {{ ref('snap_phm_edw__patient') }}
),

{{ assign_stable_keys(['patient_id', 'dbt_valid_from'], 'patient_key') }}
