-- stg_phm_edw__payer: one row per kept phm_edw.payer row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead. Coded vocabularies are normalised
-- through seeds/reference/value_map.csv (unknown spellings become UNMAPPED, raw value kept beside).
with base as (
    select * from {{ ref('base_phm_edw__payer') }}
),

value_map as (
    select * from {{ ref('value_map') }}
),

final as (
    select
        base.payer_id,
        base.payer_name,
        {{ mapped_value('base.payer_type', 'payer_type_map') }} as payer_type,
        base.payer_type as payer_type_as_received,
        base.address_id,
        base.is_active,
        base.effective_start_date,
        base.effective_end_date,
        base.created_at,
        base.updated_at,
        base.source_updated_at
    from base
    {{ value_map_join('payer_type', 'base.payer_type', 'payer_type_map') }}
    where base.reject_rule is null
)

select * from final
