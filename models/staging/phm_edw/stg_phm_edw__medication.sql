-- stg_phm_edw__medication: one row per kept phm_edw.medication row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__medication') }}
),

final as (
    select
        medication_id,
        medication_code,
        medication_name,
        code_system,
        form,
        strength,
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
