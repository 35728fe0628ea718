-- stg_phm_edw__e_prescription: one row per kept phm_edw.e_prescription row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__e_prescription') }}
),

final as (
    select
        erx_id,
        medication_order_id,
        patient_id,
        prescriber_id,
        pharmacy_id,
        drug_name,
        ndc_code,
        ndc_11,
        sig,
        quantity,
        days_supply,
        refills_authorized,
        is_controlled,
        dea_schedule,
        transmission_status,
        sent_datetime,
        filled_datetime,
        prior_auth_required,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
