-- stg_phm_edw__condition: one row per kept phm_edw.condition row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__condition') }}
),

final as (
    select
        condition_id,
        condition_code,
        condition_code_normalized,
        code_system_family,
        condition_name,
        code_system,
        description,
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
