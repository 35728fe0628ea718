-- int_risk_diagnoses: one row per EDW diagnosis that counts as present for a period (onset to resolution),
-- with its ICD-10-CM code (dots removed) for the CMS-HCC score (python/phm/risk/hcc.py reads the codes
-- present in the scoring year); a SNOMED-coded diagnosis takes the ICD-10-CM target of the project's map or
-- of an active EDW crosswalk row (int_care_gaps__code_crosswalk), or NULL without one. The risk features
-- count chronic conditions from the same periods.
with diagnoses as (
    select * from {{ ref('stg_phm_edw__condition_diagnosis') }}
),

conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
),

crosswalk as (
    select * from {{ ref('int_care_gaps__code_crosswalk') }}
),

-- the project's SNOMED CT -> ICD-10-CM map plus the EDW's crosswalk, as the care-gap engine reads them
snomed_to_icd10 as (
    select
        snomed_code,
        min(target_code) as icd10_code
    from crosswalk
    where target_system = 'ICD10'
    group by snomed_code
),

present as (
    select
        diagnoses.condition_diagnosis_id,
        diagnoses.patient_id,
        diagnoses.condition_id,
        coalesce(diagnoses.onset_date, cast(diagnoses.created_at as date)) as onset_date,
        diagnoses.resolution_date
    from diagnoses
    where
        diagnoses.is_active
        and (
            (coalesce(diagnoses.diagnosis_status, 'ACTIVE') = 'RESOLVED' and diagnoses.resolution_date is not null)
            or coalesce(diagnoses.diagnosis_status, 'ACTIVE') not in (
                {%- for status in var('inactive_diagnosis_statuses') %}
                    '{{ status }}'{% if not loop.last %},{% endif %}
                {%- endfor %}
            )
        )
),

final as (
    select
        present.condition_diagnosis_id,
        present.patient_id,
        present.condition_id,
        case
            when conditions.code_system_family = 'ICD10' then conditions.condition_code_normalized
            else snomed_to_icd10.icd10_code
        end as icd10_code,
        conditions.code_system_family as recorded_code_system,
        present.onset_date,
        present.resolution_date
    from present
    inner join conditions
        on present.condition_id = conditions.condition_id
    left join snomed_to_icd10
        on conditions.code_system_family = 'SNOMED'
            and conditions.condition_code_normalized = snomed_to_icd10.snomed_code
)

select * from final
