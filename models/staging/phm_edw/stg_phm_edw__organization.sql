-- stg_phm_edw__organization: one row per kept phm_edw.organization row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__organization') }}
),

final as (
    select
        org_id,
        organization_name,
        organization_type,
        parent_org_id,
        address_id,
        primary_phone,
        secondary_phone,
        fax,
        email,
        website,
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
