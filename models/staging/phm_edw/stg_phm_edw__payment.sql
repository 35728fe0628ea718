-- stg_phm_edw__payment: one row per kept phm_edw.payment row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__payment') }}
),

final as (
    select
        payment_id,
        claim_id,
        patient_id,
        payer_id,
        payment_date,
        payment_type,
        payment_method,
        payment_amount,
        check_number,
        eob_number,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
