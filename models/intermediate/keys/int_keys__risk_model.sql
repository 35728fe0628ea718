-- int_keys__risk_model: one stable risk_model_key per model_code of the seed risk_models.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct model_code
    from {{ ref('risk_models') }}
),

{{ assign_stable_keys(['model_code'], 'risk_model_key') }}
