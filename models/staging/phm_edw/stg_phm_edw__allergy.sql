-- stg_phm_edw__allergy: one row per kept phm_edw.allergy row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__allergy') }}
),

final as (
    select
        allergy_id,
        allergy_code,
        allergy_name,
        code_system,
        category,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
