-- stg_phm_edw__billing_line_item: one row per kept phm_edw.billing_line_item row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__billing_line_item') }}
),

final as (
    select
        line_item_id,
        claim_id,
        cpt_code,
        cpt_description,
        modifier,
        icd10_pointer_1,
        units,
        charge_amount,
        allowed_amount,
        paid_amount,
        line_status,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
