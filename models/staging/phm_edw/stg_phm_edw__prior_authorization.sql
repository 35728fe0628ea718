-- stg_phm_edw__prior_authorization: one row per kept phm_edw.prior_authorization row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__prior_authorization') }}
),

final as (
    select
        auth_id,
        patient_id,
        payer_id,
        order_id,
        referral_id,
        service_type,
        service_description,
        cpt_code,
        icd10_code,
        requested_datetime,
        auth_status,
        auth_number,
        approved_units,
        approved_from,
        approved_to,
        denial_reason,
        submitted_by,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
