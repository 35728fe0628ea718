-- stg_phm_edw__condition_diagnosis: one row per kept phm_edw.condition_diagnosis row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead. Coded vocabularies are normalised
-- through seeds/reference/value_map.csv (unknown spellings become UNMAPPED, raw value kept beside).
with base as (
    select * from {{ ref('base_phm_edw__condition_diagnosis') }}
),

value_map as (
    select * from {{ ref('value_map') }}
),

final as (
    select
        base.condition_diagnosis_id,
        base.patient_id,
        base.encounter_id,
        base.provider_id,
        base.condition_id,
        {{ mapped_value('base.diagnosis_type', 'diagnosis_type_map') }} as diagnosis_type,
        base.diagnosis_type as diagnosis_type_as_received,
        {{ mapped_value('base.diagnosis_status', 'diagnosis_status_map') }} as diagnosis_status,
        base.diagnosis_status as diagnosis_status_as_received,
        base.onset_date,
        base.resolution_date,
        base.is_primary,
        base.is_active,
        base.effective_start_date,
        base.effective_end_date,
        base.created_at,
        base.updated_at,
        base.source_updated_at
    from base
    {{ value_map_join('diagnosis_type', 'base.diagnosis_type', 'diagnosis_type_map') }}
    {{ value_map_join('diagnosis_status', 'base.diagnosis_status', 'diagnosis_status_map') }}
    where base.reject_rule is null
)

select * from final
