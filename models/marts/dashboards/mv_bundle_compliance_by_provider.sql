-- mv_bundle_compliance_by_provider: the provider scorecard (spec 6.2). One row per attributed
-- provider x bundle, aggregated from fact_patient_bundle, with the provider's percentile among the
-- providers treating the same bundle. Unattributed patients are on no provider's scorecard.
{{ config(
    materialized='materialized_view',
    indexes=[
        {'columns': ['provider_key', 'bundle_key'], 'unique': True},
        {'columns': ['bundle_key', 'avg_compliance_pct']}
    ]
) }}

with patient_bundles as (
    select * from {{ ref('fact_patient_bundle') }}
    where is_active and provider_key is not null
),

providers as (
    select * from {{ ref('dim_provider') }}
),

bundles as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

aggregated as (
    select
        provider_key,
        bundle_key,
        count(*) as patient_count,
        round(avg(compliance_pct), 2) as avg_compliance_pct,
        sum(measures_open) as total_gaps_open,
        sum(measures_met) as total_gaps_closed
    from patient_bundles
    group by provider_key, bundle_key
),

final as (
    select
        aggregated.provider_key,
        providers.first_name as provider_first_name,
        providers.last_name as provider_last_name,
        aggregated.bundle_key,
        bundles.bundle_code,
        bundles.bundle_name,
        bundles.disease_category,
        aggregated.patient_count,
        aggregated.avg_compliance_pct,
        aggregated.total_gaps_open,
        aggregated.total_gaps_closed,
        round(cast(100 * percent_rank() over (
            partition by aggregated.bundle_key order by aggregated.avg_compliance_pct nulls first
        ) as numeric), 2) as percentile_rank
    from aggregated
    inner join bundles
        on aggregated.bundle_key = bundles.bundle_key
    left join providers
        on aggregated.provider_key = providers.provider_key
)

select * from final
