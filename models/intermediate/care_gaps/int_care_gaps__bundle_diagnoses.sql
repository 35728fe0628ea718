-- int_care_gaps__bundle_diagnoses: one row per active, unresolved diagnosis x bundle it qualifies for.
-- A patient qualifies through an active, unresolved diagnosis whose ICD-10 code starts with one of the
-- bundle's codes, whose SNOMED code is one of its SNOMED codes, or whose SNOMED code the EDW's crosswalk maps
-- to an ICD-10 code starting with one of the bundle's codes. Codes are matched per catalogue condition
-- first (a few thousand rows), then diagnoses join by condition_id, so the cost stays linear.
with bundles as (
    select * from {{ ref('care_gap_bundles') }}
),

conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
),

diagnoses as (
    select * from {{ ref('stg_phm_edw__condition_diagnosis') }}
),

patients as (
    select * from {{ ref('stg_phm_edw__patient') }}
),

crosswalk as (
    select * from {{ ref('int_care_gaps__code_crosswalk') }}
    where target_system = 'ICD10'
),

bundle_icd10 as (
    select
        bundles.bundle_code,
        upper(replace(trim(codes.code), '.', '')) as code_prefix
    from bundles
    cross join lateral {{ unnest_pipe_list('bundles.icd10_codes') }} as codes (code)
),

bundle_snomed as (
    select
        bundles.bundle_code,
        trim(codes.code) as snomed_code
    from bundles
    cross join lateral {{ unnest_pipe_list('bundles.snomed_codes') }} as codes (code)
),

condition_matches as (
    select
        conditions.condition_id,
        bundle_icd10.bundle_code,
        'ICD10' as matched_on
    from conditions
    inner join bundle_icd10
        on left(conditions.condition_code_normalized, length(bundle_icd10.code_prefix)) = bundle_icd10.code_prefix
    where conditions.code_system_family = 'ICD10'

    union all

    select
        conditions.condition_id,
        bundle_snomed.bundle_code,
        'SNOMED' as matched_on
    from conditions
    inner join bundle_snomed
        on conditions.condition_code_normalized = bundle_snomed.snomed_code
    where conditions.code_system_family = 'SNOMED'

    union all

    select
        conditions.condition_id,
        bundle_icd10.bundle_code,
        'CROSSWALK' as matched_on
    from conditions
    inner join crosswalk
        on conditions.condition_code_normalized = crosswalk.snomed_code
    inner join bundle_icd10
        on left(crosswalk.target_code, length(bundle_icd10.code_prefix)) = bundle_icd10.code_prefix
    where conditions.code_system_family = 'SNOMED'
),

-- one row per condition and bundle: a code reaching a bundle by two routes (a SNOMED code the bundle lists
-- and the crosswalk also maps, or two ICD-10 targets) counts once, by its most direct route
condition_bundles as (
    select
        condition_id,
        bundle_code,
        case
            when bool_or(matched_on = 'ICD10') then 'ICD10'
            when bool_or(matched_on = 'SNOMED') then 'SNOMED'
            else 'CROSSWALK'
        end as matched_on
    from condition_matches
    group by condition_id, bundle_code
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
