-- int_care_gaps__code_crosswalk: the SNOMED CT maps the care-gap engine follows, valid on the run date.
-- The project's own maps (seeds synthea_snomed_icd10, SNOMED CT -> ICD-10-CM, and synthea_procedure_codes,
-- SNOMED CT -> CPT/HCPCS) always apply, so a SNOMED-coded EDW qualifies and evidences measures with an empty
-- code_crosswalk; the EDW's own crosswalk rows add to them. A SNOMED-coded diagnosis also matches the bundles
-- through its ICD-10-CM targets, and a SNOMED-coded procedure evidences a measure through its CPT/HCPCS
-- targets. Targets are in the form the engine compares: ICD-10 codes normalised (no dots), CPT/HCPCS codes
-- cleaned. The same mapping held twice (in a seed and in the EDW, or twice in the EDW) is one row here.
with crosswalk as (
    select * from {{ ref('stg_phm_edw__code_crosswalk') }}
),

project_diagnosis_map as (
    select * from {{ ref('synthea_snomed_icd10') }}
),

project_procedure_map as (
    select * from {{ ref('synthea_procedure_codes') }}
),

valid as (
    select
        source_code,
        {{ code_system_family('target_code_system') }} as target_family,
        target_code
    from crosswalk
    where
        is_active
        and {{ code_system_family('source_code_system') }} = 'SNOMED'
        and (valid_from is null or valid_from <= {{ run_date() }})
        and (valid_to is null or valid_to >= {{ run_date() }})
),

edw_maps as (
    select
        source_code as snomed_code,
        case when target_family = 'ICD10' then 'ICD10' else 'CPT' end as target_system,
        case
            when target_family = 'ICD10' then {{ normalize_icd10('target_code') }}
            else target_code
        end as target_code
    from valid
    where target_family in ('ICD10', 'CPT', 'CPT-4', 'HCPCS')
),

project_maps as (
    select
        trim(snomed_code) as snomed_code,
        'ICD10' as target_system,
        {{ normalize_icd10('icd10_code') }} as target_code
    from project_diagnosis_map
    union all
    select
        trim(snomed_code) as snomed_code,
        'CPT' as target_system,
        trim(procedure_code) as target_code
    from project_procedure_map
),

combined as (
    select * from project_maps
    union all
    select * from edw_maps
),

final as (
    select
        snomed_code,
        target_system,
        target_code
    from combined
    group by snomed_code, target_system, target_code
)

select * from final
