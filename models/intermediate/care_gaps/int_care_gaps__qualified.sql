-- int_care_gaps__qualified: one row per active patient x bundle they qualify for.
-- A patient qualifies through an active, unresolved diagnosis matching the bundle
-- (see int_care_gaps__bundle_diagnoses); the earliest such diagnosis dates the qualification.
with matched as (
    select * from {{ ref('int_care_gaps__bundle_diagnoses') }}
),

final as (
    select
        patient_id,
        bundle_code,
        min(diagnosis_date) as qualifying_date,
        (array_agg(condition_diagnosis_id order by diagnosis_date asc, condition_diagnosis_id asc))[1]
            as qualifying_condition_diagnosis_id,
        count(*) as qualifying_diagnoses,
        bool_or(matched_on in ('SNOMED', 'CROSSWALK')) as has_snomed_match
    from matched
    group by patient_id, bundle_code
)

select * from final
