-- stg_phm_edw__encounter: one row per kept phm_edw.encounter row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead. Coded vocabularies are normalised
-- through seeds/reference/value_map.csv (unknown spellings become UNMAPPED, raw value kept beside).
with base as (
    select * from {{ ref('base_phm_edw__encounter') }}
),

value_map as (
    select * from {{ ref('value_map') }}
),

final as (
    select
        base.encounter_id,
        base.patient_id,
        base.provider_id,
        base.org_id,
        base.encounter_number,
        {{ mapped_value('base.encounter_type', 'encounter_type_map') }} as encounter_type,
        base.encounter_type as encounter_type_as_received,
        base.encounter_reason,
        base.admission_datetime,
        base.discharge_datetime,
        base.encounter_datetime,
        base.disposition,
        base.status,
        base.is_active,
        base.effective_start_date,
        base.effective_end_date,
        base.created_at,
        base.updated_at,
        base.source_updated_at
    from base
    {{ value_map_join('encounter_type', 'base.encounter_type', 'encounter_type_map') }}
    where base.reject_rule is null
)

select * from final
