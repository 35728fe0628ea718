-- stg_phm_edw__clinic_resource: one row per kept phm_edw.clinic_resource row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__clinic_resource') }}
),

final as (
    select
        resource_id,
        org_id,
        resource_name,
        resource_type,
        capacity,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
