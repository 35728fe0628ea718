-- stg_phm_edw__bundle_measure: one row per kept phm_edw.bundle_measure row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__bundle_measure') }}
),

final as (
    select
        bundle_measure_id,
        bundle_id,
        measure_id,
        ordinal,
        frequency,
        ecqm_reference,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
