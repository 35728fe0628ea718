-- stg_phm_edw__procedure_performed: one row per kept phm_edw.procedure_performed row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__procedure_performed') }}
),

final as (
    select
        procedure_performed_id,
        patient_id,
        encounter_id,
        provider_id,
        procedure_id,
        procedure_datetime,
        modifiers,
        comments,
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
