-- fact_population_snapshot: population metrics per organization x snapshot date x bundle (NULL =
-- organization-wide), spec 2.6 and step 25. Kept as history for trend queries: each run adds the
-- run date's snapshot (replacing it when the same day is rebuilt) and carries every earlier snapshot
-- forward unchanged from the published table.
{{ config(
    post_hook=[
        "{{ spec_index('idx_pop_snapshot_org_date', 'org_key, date_key_snapshot') }}",
        "{{ spec_index('idx_pop_snapshot_bundle', 'bundle_key, date_key_snapshot') }}"
    ]
) }}

with composite as (
    select * from {{ ref('fact_patient_composite') }}
    where org_key is not null
),

patient_bundles as (
    select * from {{ ref('fact_patient_bundle') }}
    where is_active
),

details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

excluded as (
    select
        patient_key,
        count(*) as excluded_measures
    from details
    where not dedup_applied and gap_status = 'Excluded'
    group by patient_key
),

org_totals as (
    select
        org_key,
        count(*) as total_patients
    from composite
    group by org_key
),

org_wide as (
    select
        composite.org_key,
        cast(null as integer) as bundle_key,
        count(*) filter (where composite.active_bundle_count > 0) as patients_with_bundle,
        avg(composite.overall_compliance_pct) as avg_compliance_pct,
        percentile_cont(0.5) within group (order by composite.overall_compliance_pct) as median_compliance_pct,
        sum(composite.total_measures_open) as open_gaps_total,
        sum(composite.total_measures_met) as closed_gaps_total,
        sum(coalesce(excluded.excluded_measures, 0)) as excluded_gaps_total,
        count(*) filter (where composite.risk_tier = 'High') as high_risk_patients,
        count(*) filter (where composite.risk_tier = 'Critical') as critical_risk_patients,
        avg(composite.hcc_risk_score) as avg_hcc_score,
        avg(composite.chronic_condition_count) as avg_chronic_conditions,
        count(*) filter (
            where composite.food_insecurity or composite.housing_instability or composite.transportation_barrier
        ) as sdoh_flagged_patients
    from composite
    left join excluded
        on composite.patient_key = excluded.patient_key
    group by composite.org_key
),

by_bundle as (
    select
        composite.org_key,
        patient_bundles.bundle_key,
        count(*) as patients_with_bundle,
        avg(patient_bundles.compliance_pct) as avg_compliance_pct,
        percentile_cont(0.5) within group (order by patient_bundles.compliance_pct) as median_compliance_pct,
        sum(patient_bundles.measures_open) as open_gaps_total,
        sum(patient_bundles.measures_met) as closed_gaps_total,
        sum(patient_bundles.measures_excluded) as excluded_gaps_total,
        count(*) filter (where composite.risk_tier = 'High') as high_risk_patients,
        count(*) filter (where composite.risk_tier = 'Critical') as critical_risk_patients,
        avg(composite.hcc_risk_score) as avg_hcc_score,
        avg(composite.chronic_condition_count) as avg_chronic_conditions,
        count(*) filter (
            where composite.food_insecurity or composite.housing_instability or composite.transportation_barrier
        ) as sdoh_flagged_patients
    from patient_bundles
    inner join composite
        on patient_bundles.patient_key = composite.patient_key
    group by composite.org_key, patient_bundles.bundle_key
),

snapshot as (
    select
        metrics.org_key,
        {{ date_key(run_date()) }} as date_key_snapshot,
        metrics.bundle_key,
        cast(org_totals.total_patients as integer) as total_patients,
        cast(metrics.patients_with_bundle as integer) as patients_with_bundle,
        cast(round(metrics.avg_compliance_pct, 2) as numeric(5, 2)) as avg_compliance_pct,
        cast(round(cast(metrics.median_compliance_pct as numeric), 2) as numeric(5, 2)) as median_compliance_pct,
        cast(coalesce(metrics.open_gaps_total, 0) as integer) as open_gaps_total,
        cast(coalesce(metrics.closed_gaps_total, 0) as integer) as closed_gaps_total,
        cast(coalesce(metrics.excluded_gaps_total, 0) as integer) as excluded_gaps_total,
        cast(metrics.high_risk_patients as integer) as high_risk_patients,
        cast(metrics.critical_risk_patients as integer) as critical_risk_patients,
        cast(round(metrics.avg_hcc_score, 3) as numeric(6, 3)) as avg_hcc_score,
        cast(round(metrics.avg_chronic_conditions, 1) as numeric(4, 1)) as avg_chronic_conditions,
        cast(metrics.sdoh_flagged_patients as integer) as sdoh_flagged_patients
    from (
        select * from org_wide
        union all
        select * from by_bundle
    ) as metrics
    inner join org_totals
        on metrics.org_key = org_totals.org_key
),

recomputed as (
    select
        -- stable key: snapshot date, organization and bundle (0 = organization-wide) in one bigint
        (cast(date_key_snapshot as bigint) * 100000 + org_key) * 100 + coalesce(bundle_key, 0) as snapshot_key,
        snapshot.*,
        cast({{ run_date() }} as timestamp) as etl_refreshed_at
    from snapshot
),

final as (
    select * from recomputed
    {{ carry_forward_history('date_key_snapshot', date_key(run_date())) }}
)

select * from final
