-- int_keys__recommendation: one stable recommendation_key per recommendation rule x ACO.
-- Append-only: keys once handed out never change (see macro assign_stable_keys).
{{ config(materialized='incremental', incremental_strategy='append', full_refresh=false) }}

with rules as (
    select * from {{ ref('recommendation_rules') }}
),

period_members as (
    select * from {{ ref('int_cost__period_members') }}
),

candidates as (
    select distinct
        rules.recommendation_code,
        period_members.org_id
    from rules
    cross join period_members
    where period_members.org_level = 'aco'
),

{{ assign_stable_keys(['recommendation_code', 'org_id'], 'recommendation_key') }}
