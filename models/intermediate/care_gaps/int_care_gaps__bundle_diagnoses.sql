-- int_care_gaps__bundle_diagnoses: one row per active, unresolved diagnosis x bundle it qualifies for.
-- The diagnosis's catalogue condition matches the bundle (int_care_gaps__condition_bundles: ICD-10 prefix,
-- SNOMED code, or SNOMED through the EDW crosswalk); the diagnosis is active, not resolved by the run date,
-- and its patient is active.
with condition_bundles as (
    select * from {{ ref('int_care_gaps__condition_bundles') }}
),

diagnoses as (
    select * from {{ ref('stg_phm_edw__condition_diagnosis') }}
),

patients as (
    select * from {{ ref('stg_phm_edw__patient') }}
),

active_diagnoses as (
    select
        diagnoses.condition_diagnosis_id,
        diagnoses.patient_id,
        diagnoses.condition_id,
        coalesce(diagnoses.onset_date, cast(diagnoses.created_at as date)) as diagnosis_date
    from diagnoses
    inner join patients
        on diagnoses.patient_id = patients.patient_id
    where
        diagnoses.is_active
        and patients.is_active
        and (diagnoses.resolution_date is null or diagnoses.resolution_date > {{ run_date() }})
        and coalesce(diagnoses.diagnosis_status, 'ACTIVE') not in (
            {%- for status in var('inactive_diagnosis_statuses') %}
                '{{ status }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
),

matched as (
    select
        active_diagnoses.patient_id,
        condition_bundles.bundle_code,
        condition_bundles.matched_on,
        active_diagnoses.diagnosis_date,
        active_diagnoses.condition_diagnosis_id,
        active_diagnoses.condition_id
    from active_diagnoses
    inner join condition_bundles
        on active_diagnoses.condition_id = condition_bundles.condition_id
),

final as (
    select * from matched
)

select * from final
