-- int_care_gaps__condition_bundles: one row per EDW catalogue condition x bundle whose codes it matches.
-- An ICD-10-CM condition matches a bundle when its normalized code starts with one of the bundle's ICD-10
-- codes; a SNOMED condition when its code is one of the bundle's SNOMED codes or of the bundle's eCQM value
-- sets (seed snomed_bundle_codes), or when the project's map or the EDW's crosswalk maps it to an ICD-10 code
-- starting with one of them. Matching the catalogue (a few thousand rows) once lets diagnoses join by
-- condition_id. Used by qualification and by the risk features.
with bundles as (
    select * from {{ ref('care_gap_bundles') }}
),

conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
),

value_set_codes as (
    select * from {{ ref('snomed_bundle_codes') }}
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
    union
    select
        bundle_code,
        trim(snomed_code) as snomed_code
    from value_set_codes
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

final as (
    select * from condition_bundles
)

select * from final
