-- stg_phm_edw__billing_claim: one row per kept phm_edw.billing_claim row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__billing_claim') }}
),

final as (
    select
        claim_id,
        patient_id,
        encounter_id,
        payer_id,
        provider_id,
        claim_number,
        claim_type,
        service_date,
        submission_date,
        claim_status,
        total_charges,
        allowed_amount,
        paid_amount,
        patient_responsibility,
        denial_reason,
        denial_code,
        remittance_date,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
