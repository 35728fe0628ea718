-- stg_phm_edw__refill_request: one row per kept phm_edw.refill_request row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__refill_request') }}
),

final as (
    select
        refill_id,
        patient_id,
        medication_order_id,
        pharmacy_id,
        drug_name,
        requested_datetime,
        request_source,
        request_status,
        provider_id,
        reviewed_datetime,
        denial_reason,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
