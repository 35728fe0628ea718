-- stg_phm_edw__condition_bundle: one row per kept phm_edw.condition_bundle row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__condition_bundle') }}
),

final as (
    select
        bundle_id,
        bundle_code,
        condition_name,
        icd10_pattern,
        bundle_size,
        key_ecqm_refs,
        description,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
