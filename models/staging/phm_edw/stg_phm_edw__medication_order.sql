-- stg_phm_edw__medication_order: one row per kept phm_edw.medication_order row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__medication_order') }}
),

final as (
    select
        medication_order_id,
        patient_id,
        encounter_id,
        provider_id,
        medication_id,
        dosage,
        frequency,
        route,
        start_datetime,
        end_datetime,
        prescription_status,
        refill_count,
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
