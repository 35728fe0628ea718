-- dim_care_gap_bundle: one row per chronic-disease bundle (45), from the seed care_gap_bundles.
with bundles as (
    select * from {{ ref('care_gap_bundles') }}
),

keys as (
    select * from {{ ref('int_keys__bundle') }}
),

measure_counts as (
    select
        bundle_code,
        count(*) as measure_rows
    from {{ ref('bundle_measures') }}
    group by bundle_code
),

final as (
    select
        keys.bundle_key,
        cast(bundles.bundle_code as varchar(20)) as bundle_code,
        cast(bundles.bundle_name as varchar(200)) as bundle_name,
        cast(bundles.disease_category as varchar(100)) as disease_category,
        replace(bundles.icd10_codes, '|', ',') as icd10_codes,
        replace(bundles.snomed_codes, '|', ',') as snomed_codes,
        cast(bundles.bundle_size as smallint) as bundle_size,
        cast(count(*) over () as smallint) as total_diseases,
        coalesce(measure_counts.measure_rows, 0) = bundles.bundle_size as is_active,
        cast(bundles.edw_bundle_code as varchar(30)) as edw_bundle_code,
        replace(bundles.key_ecqm_refs, '|', ', ') as key_ecqm_refs,
        cast(bundles.display_order as smallint) as display_order,
        bundles.description,
        cast(keys.first_seen_at as timestamp) as created_at,
        cast(null as timestamp) as updated_at
    from bundles
    inner join keys
        on bundles.bundle_code = keys.bundle_code
    left join measure_counts
        on bundles.bundle_code = measure_counts.bundle_code
)

select * from final
