-- stg_phm_edw__patient: one row per kept phm_edw.patient row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead. Coded vocabularies are normalised
-- through seeds/reference/value_map.csv (unknown spellings become UNMAPPED, raw value kept beside).
with base as (
    select * from {{ ref('base_phm_edw__patient') }}
),

value_map as (
    select * from {{ ref('value_map') }}
),

final as (
    select
        base.patient_id,
        base.mrn,
        base.first_name,
        base.middle_name,
        base.last_name,
        base.date_of_birth,
        {{ mapped_value('base.gender', 'gender_map') }} as gender,
        base.gender as gender_as_received,
        {{ mapped_value('base.race', 'race_map') }} as race,
        base.race as race_as_received,
        {{ mapped_value('base.ethnicity', 'ethnicity_map') }} as ethnicity,
        base.ethnicity as ethnicity_as_received,
        base.marital_status,
        base.primary_language,
        base.address_id,
        base.pcp_provider_id,
        base.primary_phone,
        base.email,
        base.next_of_kin_name,
        base.next_of_kin_phone,
        base.is_active,
        base.effective_start_date,
        base.effective_end_date,
        base.created_at,
        base.updated_at,
        base.source_updated_at
    from base
    {{ value_map_join('gender', 'base.gender', 'gender_map') }}
    {{ value_map_join('race', 'base.race', 'race_map') }}
    {{ value_map_join('ethnicity', 'base.ethnicity', 'ethnicity_map') }}
    where base.reject_rule is null
)

select * from final
