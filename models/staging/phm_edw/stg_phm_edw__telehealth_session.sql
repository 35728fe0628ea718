-- stg_phm_edw__telehealth_session: one row per kept phm_edw.telehealth_session row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__telehealth_session') }}
),

final as (
    select
        session_id,
        appointment_id,
        patient_id,
        provider_id,
        session_url,
        platform,
        scheduled_start,
        actual_start,
        actual_end,
        duration_min,
        session_status,
        recording_url,
        patient_device,
        connection_quality,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
