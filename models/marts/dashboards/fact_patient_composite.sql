-- fact_patient_composite: the dashboard row, one per active patient (spec 2.3, step 23): the current
-- version of every patient the EDW marks active; inactive (deceased, moved away) patients are left out,
-- so nothing aggregated from the composite counts them.
-- A full rebuild each run: it summarises everything else, so it is built after the other facts.
{{ config(
    post_hook=[
        "{{ spec_index('idx_composite_provider', 'provider_key') }}",
        "{{ spec_index('idx_composite_org', 'org_key') }}",
        "{{ spec_index('idx_composite_risk', 'risk_tier, abigail_priority_score desc') }}",
        "{{ spec_index('idx_composite_compliance', 'overall_compliance_pct') }}",
        "{{ spec_index('idx_composite_bundles', 'active_bundle_count') }}",
        "{{ spec_index('idx_composite_conditions', 'has_diabetes, has_hypertension, has_cad, has_heart_failure, has_copd, has_ckd, has_depression') }}",
        "create index on {{ this }} (provider_key, risk_tier, abigail_priority_score desc nulls last, patient_key)",
        "analyze {{ this }}"
    ]
) }}

with patients as (
    select * from {{ ref('dim_patient') }}
    where is_current and is_active
),

-- every version of every patient: incremental facts keep the key of the version current when their
-- row was loaded, so patient-level results gather a patient's facts through the durable patient_id
patient_versions as (
    select
        patient_key,
        patient_id
    from {{ ref('dim_patient') }}
),

attribution as (
    select * from {{ ref('int_patients__attribution') }}
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

org_keys as (
    select * from {{ ref('int_keys__organization') }}
),

patient_bundles as (
    select * from {{ ref('fact_patient_bundle') }}
    where is_active
),

bundle_dim as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

bundle_diagnoses as (
    select * from {{ ref('int_care_gaps__bundle_diagnoses') }}
),

conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
),

encounters as (
    select * from {{ ref('fact_encounter') }}
    where is_active
),

sdoh as (
    select * from {{ ref('fact_sdoh') }}
    where is_active
),

coverage as (
    select * from {{ ref('fact_patient_insurance') }}
    where is_active
),

risk_scores as (
    select * from {{ ref('int_patients__latest_risk_scores') }}
),

tiers as (
    select * from {{ ref('bundle_risk_tiers') }}
),

encounter_types as (
    select * from {{ ref('encounter_types') }}
),

-- Measures due once each: a measure satisfied through another bundle's owner row (dedup) counts
-- once, at its owner; Excluded measures are not due.
measure_totals as (
    select
        patient_key,
        count(*) filter (where not dedup_applied and gap_status <> 'Excluded') as measures_due,
        count(*) filter (where not dedup_applied and gap_status = 'Closed') as measures_met,
        count(*) filter (where not dedup_applied and gap_status = 'Open') as measures_open
    from details
    group by patient_key
),

bundle_summary as (
    select
        patient_bundles.patient_key,
        count(*) as active_bundle_count,
        bool_or(bundle_dim.bundle_code in ('DM2', 'DM1')) as has_diabetes,
        bool_or(bundle_dim.bundle_code = 'HTN') as has_hypertension,
        bool_or(bundle_dim.bundle_code = 'CAD') as has_cad,
        bool_or(bundle_dim.bundle_code = 'HF') as has_heart_failure,
        bool_or(bundle_dim.bundle_code = 'COPD') as has_copd,
        bool_or(bundle_dim.bundle_code = 'CKD') as has_ckd,
        bool_or(bundle_dim.bundle_code = 'MDD') as has_depression,
        -- lowest compliance first; a bundle whose measures are all excluded has none and sorts last;
        -- ties go to the bundle code in alphabetical order
        (
            array_agg(
                bundle_dim.bundle_code
                order by patient_bundles.compliance_pct asc nulls last, bundle_dim.bundle_code asc
            )
        )[1]
            as worst_bundle_code,
        min(patient_bundles.compliance_pct) as worst_bundle_pct
    from patient_bundles
    inner join bundle_dim
        on patient_bundles.bundle_key = bundle_dim.bundle_key
    group by patient_bundles.patient_key
),

-- distinct chronic diseases: active, unresolved diagnoses in any bundle, counted by ICD-10 category
-- (first three characters; SNOMED codes count as themselves)
chronic as (
    select
        bundle_diagnoses.patient_id,
        count(distinct case
            when conditions.code_system_family = 'ICD10' then left(conditions.condition_code_normalized, 3)
            else conditions.condition_code_normalized
        end) as chronic_condition_count
    from bundle_diagnoses
    inner join conditions
        on bundle_diagnoses.condition_id = conditions.condition_id
    group by bundle_diagnoses.patient_id
),

utilization as (
    select
        patient_id,
        count(*) filter (where encounter_date > {{ run_date() }} - interval '12 months') as encounters_last_12mo,
        count(*) filter (
            where encounter_date > {{ run_date() }} - interval '12 months' and is_emergency
        ) as ed_visits_last_12mo,
        count(*) filter (
            where encounter_date > {{ run_date() }} - interval '12 months' and is_inpatient
        ) as inpatient_last_12mo,
        -- MIPS-eligible visits: the encounter types the seed flags as visits (normalised in staging)
        count(*) filter (
            where encounter_date > {{ run_date() }} - interval '12 months' and is_visit
        ) as eligible_visits_last_12mo,
        max(encounter_date) as last_encounter_date
    from (
        select
            patient_versions.patient_id,
            coalesce(encounter_types.is_emergency, false) as is_emergency,
            coalesce(encounter_types.is_inpatient, false) as is_inpatient,
            coalesce(encounter_types.is_visit, false) as is_visit,
            cast(encounters.encounter_datetime as date) as encounter_date
        from encounters
        inner join patient_versions
            on encounters.patient_key = patient_versions.patient_key
        left join encounter_types
            on encounters.encounter_type = encounter_types.encounter_type
        where cast(encounters.encounter_datetime as date) <= {{ run_date() }}
    ) as dated
    group by patient_id
),

latest_sdoh as (
    select distinct on (patient_versions.patient_id)
        patient_versions.patient_id,
        sdoh.food_insecurity,
        sdoh.housing_instability,
        sdoh.transportation_barrier,
        sdoh.social_isolation_score
    from sdoh
    inner join patient_versions
        on sdoh.patient_key = patient_versions.patient_key
    where sdoh.assessment_date <= {{ run_date() }}
    order by patient_versions.patient_id asc, sdoh.assessment_date desc, sdoh.sdoh_assessment_id desc
),

-- the primary payer: coverage in force on the run date, primary before secondary, then the most
-- recent start, then the highest coverage id
primary_payer as (
    select distinct on (patient_versions.patient_id)
        patient_versions.patient_id,
        coverage.payer_key
    from coverage
    inner join patient_versions
        on coverage.patient_key = patient_versions.patient_key
    where
        coverage.coverage_start_date <= {{ run_date() }}
        and (coverage.coverage_end_date is null or coverage.coverage_end_date >= {{ run_date() }})
    order by
        patient_versions.patient_id asc,
        coverage.primary_indicator desc,
        coverage.coverage_start_date desc,
        coverage.coverage_id desc
),

joined as (
    select
        patients.patient_key,
        provider_keys.provider_key,
        org_keys.org_key,
        primary_payer.payer_key,
        cast(
            extract(year from age({{ run_date() }}, patients.date_of_birth)) as smallint
        ) as age,
        cast(patients.gender as varchar(10)) as gender,
        cast(patients.race as varchar(50)) as race,
        cast(patients.primary_language as varchar(50)) as primary_language,
        coalesce(bundle_summary.active_bundle_count, 0) as active_bundle_count,
        coalesce(measure_totals.measures_due, 0) as total_measures_due,
        coalesce(measure_totals.measures_met, 0) as total_measures_met,
        coalesce(measure_totals.measures_open, 0) as total_measures_open,
        cast(
            round(100.0 * measure_totals.measures_met / nullif(measure_totals.measures_due, 0), 2) as numeric(5, 2)
        ) as overall_compliance_pct,
        bundle_summary.worst_bundle_code,
        bundle_summary.worst_bundle_pct,
        coalesce(bundle_summary.has_diabetes, false) as has_diabetes,
        coalesce(bundle_summary.has_hypertension, false) as has_hypertension,
        coalesce(bundle_summary.has_cad, false) as has_cad,
        coalesce(bundle_summary.has_heart_failure, false) as has_heart_failure,
        coalesce(bundle_summary.has_copd, false) as has_copd,
        coalesce(bundle_summary.has_ckd, false) as has_ckd,
        coalesce(bundle_summary.has_depression, false) as has_depression,
        coalesce(chronic.chronic_condition_count, 0) as chronic_condition_count,
        risk_scores.hcc_risk_score,
        risk_scores.readmission_risk,
        risk_scores.ed_utilization_risk,
        risk_scores.abigail_priority_score,
        risk_scores.abigail_risk_tier,
        coalesce(utilization.encounters_last_12mo, 0) as encounters_last_12mo,
        coalesce(utilization.ed_visits_last_12mo, 0) as ed_visits_last_12mo,
        coalesce(utilization.inpatient_last_12mo, 0) as inpatient_last_12mo,
        coalesce(utilization.eligible_visits_last_12mo, 0) as eligible_visits_last_12mo,
        utilization.last_encounter_date,
        coalesce(latest_sdoh.food_insecurity, false) as food_insecurity,
        coalesce(latest_sdoh.housing_instability, false) as housing_instability,
        coalesce(latest_sdoh.transportation_barrier, false) as transportation_barrier,
        latest_sdoh.social_isolation_score
    from patients
    left join attribution
        on patients.patient_id = attribution.patient_id
    left join provider_keys
        on attribution.provider_id = provider_keys.provider_id
    left join org_keys
        on attribution.org_id = org_keys.org_id
    left join bundle_summary
        on patients.patient_key = bundle_summary.patient_key
    left join measure_totals
        on patients.patient_key = measure_totals.patient_key
    left join chronic
        on patients.patient_id = chronic.patient_id
    left join utilization
        on patients.patient_id = utilization.patient_id
    left join latest_sdoh
        on patients.patient_id = latest_sdoh.patient_id
    left join primary_payer
        on patients.patient_id = primary_payer.patient_id
    left join risk_scores
        on patients.patient_id = risk_scores.patient_id
),

final as (
    select
        cast(joined.patient_key as bigint) as composite_key,
        joined.patient_key,
        joined.provider_key,
        joined.org_key,
        joined.payer_key,
        joined.age,
        joined.gender,
        joined.race,
        joined.primary_language,
        cast(joined.active_bundle_count as smallint) as active_bundle_count,
        cast(joined.total_measures_due as smallint) as total_measures_due,
        cast(joined.total_measures_met as smallint) as total_measures_met,
        cast(joined.total_measures_open as smallint) as total_measures_open,
        joined.overall_compliance_pct,
        cast(joined.worst_bundle_code as varchar(20)) as worst_bundle_code,
        joined.worst_bundle_pct,
        joined.has_diabetes,
        joined.has_hypertension,
        joined.has_cad,
        joined.has_heart_failure,
        joined.has_copd,
        joined.has_ckd,
        joined.has_depression,
        cast(joined.chronic_condition_count as smallint) as chronic_condition_count,
        cast(joined.hcc_risk_score as numeric(6, 3)) as hcc_risk_score,
        cast(joined.readmission_risk as numeric(5, 4)) as readmission_risk,
        cast(joined.ed_utilization_risk as numeric(5, 4)) as ed_utilization_risk,
        cast(joined.abigail_priority_score as numeric(5, 2)) as abigail_priority_score,
        cast(
            coalesce(
                joined.abigail_risk_tier,
                tiers.risk_tier,
                case when joined.active_bundle_count = 0 then 'Low' end
            ) as varchar(20)
        ) as risk_tier,
        cast(least(joined.encounters_last_12mo, 32767) as smallint) as encounters_last_12mo,
        cast(least(joined.ed_visits_last_12mo, 32767) as smallint) as ed_visits_last_12mo,
        cast(least(joined.inpatient_last_12mo, 32767) as smallint) as inpatient_last_12mo,
        case
            when joined.last_encounter_date is not null then {{ date_key('joined.last_encounter_date') }}
        end as last_encounter_date_key,
        cast({{ run_date() }} - joined.last_encounter_date as integer) as days_since_last_visit,
        joined.food_insecurity,
        joined.housing_instability,
        joined.transportation_barrier,
        cast(joined.social_isolation_score as smallint) as social_isolation_score,
        coalesce(
            joined.age >= 18 and joined.provider_key is not null and joined.eligible_visits_last_12mo > 0, false
        ) as mips_eligible,
        {{ date_key(run_date()) }} as date_key_snapshot,
        cast({{ run_date() }} as timestamp) as etl_refreshed_at
    from joined
    left join tiers
        on
            joined.overall_compliance_pct >= tiers.min_compliance_pct
            and joined.overall_compliance_pct < tiers.max_compliance_pct
)

select * from final
