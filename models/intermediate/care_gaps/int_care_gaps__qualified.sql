-- int_care_gaps__qualified: one row per active patient x bundle they qualify for.
-- A patient qualifies through an active, unresolved diagnosis whose ICD-10 code starts with one of the
-- bundle's codes or whose SNOMED code is one of its SNOMED codes. Codes are matched per catalogue condition
-- first (int_care_gaps__condition_bundles), then diagnoses join by condition_id, so the cost stays linear.
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
        active_diagnoses.condition_diagnosis_id
    from active_diagnoses
    inner join condition_bundles
        on active_diagnoses.condition_id = condition_bundles.condition_id
),

final as (
    select
        patient_id,
        bundle_code,
        min(diagnosis_date) as qualifying_date,
        (array_agg(condition_diagnosis_id order by diagnosis_date asc, condition_diagnosis_id asc))[1]
            as qualifying_condition_diagnosis_id,
        count(*) as qualifying_diagnoses,
        bool_or(matched_on = 'SNOMED') as has_snomed_match
    from matched
    group by patient_id, bundle_code
)

select * from final
