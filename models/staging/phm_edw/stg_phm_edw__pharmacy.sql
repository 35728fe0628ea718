-- stg_phm_edw__pharmacy: one row per kept phm_edw.pharmacy row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__pharmacy') }}
),

final as (
    select
        pharmacy_id,
        pharmacy_name,
        ncpdp_id,
        address,
        city,
        state,
        zip,
        phone,
        fax,
        pharmacy_type,
        accepts_erx,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
