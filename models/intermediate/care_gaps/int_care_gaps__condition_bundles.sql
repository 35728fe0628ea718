-- int_care_gaps__condition_bundles: one row per EDW catalogue condition x bundle whose codes it matches.
-- An ICD-10-CM condition matches a bundle when its normalized code starts with one of the bundle's ICD-10
-- codes; a SNOMED condition when its code is one of the bundle's SNOMED codes. Matching the catalogue (a few
-- thousand rows) once lets diagnoses join by condition_id.
with bundles as (
    select * from {{ ref('care_gap_bundles') }}
),

conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
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

icd10_matches as (
    select
        conditions.condition_id,
        bundle_icd10.bundle_code,
        'ICD10' as matched_on
    from conditions
    inner join bundle_icd10
        on left(conditions.condition_code_normalized, length(bundle_icd10.code_prefix)) = bundle_icd10.code_prefix
    where conditions.code_system_family = 'ICD10'
),

snomed_matches as (
    select
        conditions.condition_id,
        bundle_snomed.bundle_code,
        'SNOMED' as matched_on
    from conditions
    inner join bundle_snomed
        on conditions.condition_code_normalized = bundle_snomed.snomed_code
    where conditions.code_system_family = 'SNOMED'
),

final as (
    -- two prefixes of one bundle can both match a code: one row per condition and bundle
    select
        condition_id,
        bundle_code,
        min(matched_on) as matched_on
    from (
        select * from icd10_matches
        union all
        select * from snomed_matches
    ) as matches
    group by condition_id, bundle_code
)

select * from final
