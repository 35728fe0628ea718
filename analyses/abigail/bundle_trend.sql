-- "Population trend for COPD compliance" (spec 8.2): every snapshot of one bundle, per organization.
-- vars: bundle_code (default COPD).
with snapshots as (
    select * from {{ published(ref('fact_population_snapshot')) }}
),

bundles as (
    select * from {{ published(ref('dim_care_gap_bundle')) }}
    where bundle_code = {{ analysis_param('bundle_code', 'COPD') }}
),

organizations as (
    select * from {{ published(ref('dim_organization')) }}
),

final as (
    select
        snapshots.date_key_snapshot,
        organizations.organization_name,
        bundles.bundle_code,
        snapshots.patients_with_bundle,
        snapshots.avg_compliance_pct,
        snapshots.median_compliance_pct,
        snapshots.open_gaps_total,
        snapshots.closed_gaps_total
    from snapshots
    inner join bundles
        on snapshots.bundle_key = bundles.bundle_key
    inner join organizations
        on snapshots.org_key = organizations.org_key
)

select * from final
order by date_key_snapshot asc, organization_name asc
