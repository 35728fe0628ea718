-- stg_phm_edw__condition_diagnosis: one row per kept phm_edw.condition_diagnosis row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__condition_diagnosis') }}
),

final as (
    select
        condition_diagnosis_id,
        patient_id,
        encounter_id,
        provider_id,
        condition_id,
        diagnosis_type,
        diagnosis_status,
        onset_date,
        resolution_date,
        is_primary,
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
