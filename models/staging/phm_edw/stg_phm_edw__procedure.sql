-- stg_phm_edw__procedure: one row per kept phm_edw.procedure row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__procedure') }}
),

final as (
    select
        procedure_id,
        procedure_code,
        procedure_desc,
        code_system,
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
