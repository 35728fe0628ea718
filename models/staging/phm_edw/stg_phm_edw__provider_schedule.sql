-- stg_phm_edw__provider_schedule: one row per kept phm_edw.provider_schedule row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__provider_schedule') }}
),

final as (
    select
        schedule_id,
        provider_id,
        org_id,
        day_of_week,
        start_time,
        end_time,
        slot_duration_min,
        schedule_type,
        effective_date,
        end_date,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
