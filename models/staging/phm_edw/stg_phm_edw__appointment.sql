-- stg_phm_edw__appointment: one row per kept phm_edw.appointment row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__appointment') }}
),

final as (
    select
        appointment_id,
        patient_id,
        provider_id,
        org_id,
        encounter_id,
        resource_id,
        appointment_date,
        start_time,
        end_time,
        appointment_type,
        chief_complaint,
        visit_reason,
        appointment_status,
        check_in_time,
        rooming_time,
        visit_start_time,
        visit_end_time,
        is_telehealth,
        telehealth_url,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
