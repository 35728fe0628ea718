-- mv_patient_dashboard: the patient grid (spec 6.1). One row per current patient; the dashboard
-- filters by provider and risk tier and sorts by Abigail priority.
{{ config(
    materialized='materialized_view',
    indexes=[
        {'columns': ['patient_key'], 'unique': True},
        {'columns': ['provider_key', 'risk_tier', 'abigail_priority_score', 'patient_key']},
        {'columns': ['org_key', 'risk_tier']},
        {'columns': ['risk_tier', 'total_measures_open']}
    ]
) }}

with composite as (
    select * from {{ ref('fact_patient_composite') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

providers as (
    select * from {{ ref('dim_provider') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

payers as (
    select * from {{ ref('dim_payer') }}
),

final as (
    select
        composite.composite_key,
        composite.patient_key,
        composite.provider_key,
        composite.org_key,
        composite.payer_key,
        patients.first_name as patient_first_name,
        patients.last_name as patient_last_name,
        patients.date_of_birth,
        composite.age,
        composite.gender,
        composite.race,
        composite.primary_language,
        providers.first_name as provider_first_name,
        providers.last_name as provider_last_name,
        organizations.organization_name,
        payers.payer_name,
        payers.payer_type,
        composite.active_bundle_count,
        composite.total_measures_due,
        composite.total_measures_met,
        composite.total_measures_open,
        composite.overall_compliance_pct,
        composite.worst_bundle_code,
        composite.worst_bundle_pct,
        composite.risk_tier,
        composite.abigail_priority_score,
        composite.hcc_risk_score,
        composite.readmission_risk,
        composite.ed_utilization_risk,
        composite.chronic_condition_count,
        composite.has_diabetes,
        composite.has_hypertension,
        composite.has_cad,
        composite.has_heart_failure,
        composite.has_copd,
        composite.has_ckd,
        composite.has_depression,
        composite.encounters_last_12mo,
        composite.ed_visits_last_12mo,
        composite.inpatient_last_12mo,
        composite.days_since_last_visit,
        composite.food_insecurity,
        composite.housing_instability,
        composite.transportation_barrier,
        composite.mips_eligible,
        composite.etl_refreshed_at
    from composite
    inner join patients
        on composite.patient_key = patients.patient_key
    left join providers
        on composite.provider_key = providers.provider_key
    left join organizations
        on composite.org_key = organizations.org_key
    left join payers
        on composite.payer_key = payers.payer_key
)

select * from final
