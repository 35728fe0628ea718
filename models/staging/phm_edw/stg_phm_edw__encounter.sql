-- stg_phm_edw__encounter: one row per kept phm_edw.encounter row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__encounter') }}
),

final as (
    select
        encounter_id,
        patient_id,
        provider_id,
        org_id,
        encounter_number,
        encounter_type,
        encounter_reason,
        admission_datetime,
        discharge_datetime,
        encounter_datetime,
        disposition,
        status,
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
