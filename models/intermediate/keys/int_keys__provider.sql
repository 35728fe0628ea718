-- int_keys__provider: one stable provider_key per EDW provider_id.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with candidates as (
    select distinct provider_id from {{ ref('stg_phm_edw__provider') }}
),

{{ assign_stable_keys(['provider_id'], 'provider_key') }}
