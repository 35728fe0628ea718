-- fact_patient_bundle: one active row per patient x qualified bundle with its compliance after dedup.
{{ config(
    post_hook=[
        "create unique index on {{ this }} (patient_key, bundle_key) where is_active",
        "{{ spec_index('idx_patient_bundle_patient', 'patient_key', 'is_active') }}",
        "{{ spec_index('idx_patient_bundle_bundle', 'bundle_key', 'is_active') }}",
        "{{ spec_index('idx_patient_bundle_compliance', 'compliance_pct') }}",
        "{{ spec_index('idx_patient_bundle_provider', 'provider_key') }}",
        "analyze {{ this }}"
    ]
) }}

with qualified as (
    select * from {{ ref('int_care_gaps__qualified') }}
),

statuses as (
    select * from {{ ref('int_care_gaps__measure_status') }}
),

attribution as (
    select * from {{ ref('int_patients__attribution') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

bundle_keys as (
    select * from {{ ref('int_keys__bundle') }}
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

org_keys as (
    select * from {{ ref('int_keys__organization') }}
),

tiers as (
    select * from {{ ref('bundle_risk_tiers') }}
),

counts as (
    select
        patient_id,
        bundle_code,
        count(*) as total_measures,
        count(*) filter (where gap_status = 'Closed') as measures_met,
        count(*) filter (where gap_status = 'Open') as measures_open,
        count(*) filter (where gap_status = 'Excluded') as measures_excluded,
        count(*) filter (where is_overdue) as measures_overdue,
        count(*) filter (where dedup_applied) as measures_deduped
    from statuses
    group by patient_id, bundle_code
),

scored as (
    select
        counts.*,
        cast(
            round(100.0 * counts.measures_met / nullif(counts.total_measures - counts.measures_excluded, 0), 2)
            as numeric(5, 2)
        ) as compliance_pct
    from counts
),

final as (
    select
        cast(qualified.patient_id as bigint) * 1000 + bundle_keys.bundle_key as patient_bundle_key,
        patients.patient_key,
        bundle_keys.bundle_key,
        provider_keys.provider_key,
        org_keys.org_key,
        {{ date_key('qualified.qualifying_date') }} as date_key_assigned,
        {{ date_key(run_date()) }} as date_key_last_eval,
        cast(scored.total_measures as smallint) as total_measures,
        cast(scored.measures_met as smallint) as measures_met,
        cast(scored.measures_open as smallint) as measures_open,
        cast(scored.measures_excluded as smallint) as measures_excluded,
        cast(scored.measures_overdue as smallint) as measures_overdue,
        cast(scored.measures_deduped as smallint) as measures_deduped,
        scored.compliance_pct,
        cast(tiers.risk_tier as varchar(20)) as risk_tier,
        true as is_active,
        qualified.qualifying_date,
        cast(qualified.qualifying_diagnoses as integer) as qualifying_diagnoses
    from qualified
    inner join scored
        on qualified.patient_id = scored.patient_id and qualified.bundle_code = scored.bundle_code
    inner join patients
        on qualified.patient_id = patients.patient_id
    inner join bundle_keys
        on qualified.bundle_code = bundle_keys.bundle_code
    left join attribution
        on qualified.patient_id = attribution.patient_id
    left join provider_keys
        on attribution.provider_id = provider_keys.provider_id
    left join org_keys
        on attribution.org_id = org_keys.org_id
    left join tiers
        on scored.compliance_pct >= tiers.min_compliance_pct and scored.compliance_pct < tiers.max_compliance_pct
)

select * from final
