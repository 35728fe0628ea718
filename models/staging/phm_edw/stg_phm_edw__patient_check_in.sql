-- stg_phm_edw__patient_check_in: one row per kept phm_edw.patient_check_in row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__patient_check_in') }}
),

final as (
    select
        check_in_id,
        appointment_id,
        patient_id,
        check_in_timestamp,
        check_in_method,
        copay_amount,
        copay_collected,
        insurance_verified,
        id_verified,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
