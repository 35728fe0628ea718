-- int_keys__bridge: one stable bridge_key per bundle x measure.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct
        bundle_code,
        measure_code
    from {{ ref('bundle_measures') }}
),

{{ assign_stable_keys(['bundle_code', 'measure_code'], 'bridge_key') }}
