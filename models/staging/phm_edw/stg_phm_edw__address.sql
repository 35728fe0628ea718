-- stg_phm_edw__address: one row per kept phm_edw.address row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__address') }}
),

final as (
    select
        address_id,
        address_line1,
        address_line2,
        city,
        state,
        zip,
        county,
        country,
        latitude,
        longitude,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
