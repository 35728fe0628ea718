-- mv_population_overview: the organization dashboard (spec 6.3). The latest snapshot of
-- fact_population_snapshot per organization and bundle (NULL = organization-wide), with the
-- organization's risk distribution and the trend against the previous snapshot.
{{ config(
    materialized='materialized_view',
    indexes=[
        {'columns': ['snapshot_key'], 'unique': True},
        {'columns': ['org_key', 'bundle_key']}
    ]
) }}

with snapshots as (
    select * from {{ ref('fact_population_snapshot') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

bundles as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

dates as (
    select * from {{ ref('dim_date') }}
),

sequenced as (
    select
        snapshots.*,
        max(snapshots.date_key_snapshot) over () as latest_date_key,
        lag(snapshots.avg_compliance_pct) over (
            partition by snapshots.org_key, snapshots.bundle_key order by snapshots.date_key_snapshot
        ) as prior_avg_compliance_pct,
        lag(snapshots.date_key_snapshot) over (
            partition by snapshots.org_key, snapshots.bundle_key order by snapshots.date_key_snapshot
        ) as prior_date_key_snapshot,
        lag(snapshots.open_gaps_total) over (
            partition by snapshots.org_key, snapshots.bundle_key order by snapshots.date_key_snapshot
        ) as prior_open_gaps_total
    from snapshots
),

final as (
    select
        sequenced.snapshot_key,
        sequenced.org_key,
        organizations.organization_name,
        sequenced.date_key_snapshot,
        dates.full_date as snapshot_date,
        sequenced.bundle_key,
        bundles.bundle_code,
        bundles.bundle_name,
        bundles.disease_category,
        sequenced.total_patients,
        sequenced.patients_with_bundle,
        sequenced.avg_compliance_pct,
        sequenced.median_compliance_pct,
        sequenced.open_gaps_total,
        sequenced.closed_gaps_total,
        sequenced.excluded_gaps_total,
        sequenced.high_risk_patients,
        sequenced.critical_risk_patients,
        sequenced.avg_hcc_score,
        sequenced.avg_chronic_conditions,
        sequenced.sdoh_flagged_patients,
        sequenced.prior_date_key_snapshot,
        sequenced.prior_avg_compliance_pct,
        sequenced.avg_compliance_pct - sequenced.prior_avg_compliance_pct as compliance_change,
        sequenced.open_gaps_total - sequenced.prior_open_gaps_total as open_gaps_change,
        -- the bundle's rank by open gaps within the organization: "top open gaps"
        case
            when sequenced.bundle_key is not null
                then rank() over (
                        partition by sequenced.org_key, sequenced.bundle_key is null
                        order by sequenced.open_gaps_total desc, bundles.bundle_code asc
                    )
        end as open_gaps_rank
    from sequenced
    inner join organizations
        on sequenced.org_key = organizations.org_key
    left join bundles
        on sequenced.bundle_key = bundles.bundle_key
    left join dates
        on sequenced.date_key_snapshot = dates.date_key
    where sequenced.date_key_snapshot = sequenced.latest_date_key
)

select * from final
