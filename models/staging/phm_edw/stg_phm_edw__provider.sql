-- stg_phm_edw__provider: one row per kept phm_edw.provider row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__provider') }}
),

final as (
    select
        provider_id,
        first_name,
        middle_name,
        last_name,
        display_name,
        npi_number,
        license_number,
        license_state,
        dea_number,
        provider_type,
        specialty,
        org_id,
        primary_phone,
        email,
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
