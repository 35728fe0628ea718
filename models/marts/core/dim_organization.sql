-- dim_organization: one row per EDW organization (Type 1: corrected in place; see the YAML for why).
with organizations as (
    select * from {{ ref('stg_phm_edw__organization') }}
),

keys as (
    select * from {{ ref('int_keys__organization') }}
),

final as (
    select
        keys.org_key,
        organizations.org_id,
        cast(organizations.organization_name as varchar(200)) as organization_name,
        cast(organizations.organization_type as varchar(50)) as organization_type,
        parent_keys.org_key as parent_org_key,
        coalesce(organizations.effective_start_date, cast(organizations.created_at as date)) as effective_start_date,
        coalesce(organizations.effective_end_date, cast('9999-12-31' as date)) as effective_end_date,
        organizations.is_active as is_current,
        organizations.created_at,
        organizations.updated_at
    from organizations
    inner join keys
        on organizations.org_id = keys.org_id
    left join keys as parent_keys
        on organizations.parent_org_id = parent_keys.org_id
)

select * from final
