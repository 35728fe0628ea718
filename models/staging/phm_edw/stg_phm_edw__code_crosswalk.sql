-- stg_phm_edw__code_crosswalk: one row per kept phm_edw.code_crosswalk row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__code_crosswalk') }}
),

final as (
    select
        crosswalk_id,
        source_code,
        source_code_system,
        target_code,
        target_code_system,
        valid_from,
        valid_to,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
