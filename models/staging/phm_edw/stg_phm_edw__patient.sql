-- stg_phm_edw__patient: one row per kept phm_edw.patient row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__patient') }}
),

final as (
    select
        patient_id,
        mrn,
        first_name,
        middle_name,
        last_name,
        date_of_birth,
        gender,
        race,
        ethnicity,
        marital_status,
        primary_language,
        address_id,
        pcp_provider_id,
        primary_phone,
        email,
        next_of_kin_name,
        next_of_kin_phone,
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
