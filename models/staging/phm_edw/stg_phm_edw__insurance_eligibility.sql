-- stg_phm_edw__insurance_eligibility: one row per kept phm_edw.insurance_eligibility row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__insurance_eligibility') }}
),

final as (
    select
        eligibility_id,
        patient_id,
        payer_id,
        checked_datetime,
        appointment_id,
        eligibility_status,
        coverage_start,
        coverage_end,
        copay_amount,
        deductible_remaining,
        out_of_pocket_max,
        response_code,
        response_message,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
