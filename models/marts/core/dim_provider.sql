-- dim_provider: one row per EDW provider (Type 1: corrected in place; see the YAML for why).
{{ config(indexes=[{'columns': ['provider_id']}]) }}

with providers as (
    select * from {{ ref('stg_phm_edw__provider') }}
),

keys as (
    select * from {{ ref('int_keys__provider') }}
),

org_keys as (
    select * from {{ ref('int_keys__organization') }}
),

final as (
    select
        keys.provider_key,
        providers.provider_id,
        cast(providers.first_name as varchar(100)) as first_name,
        cast(providers.last_name as varchar(100)) as last_name,
        cast(
            coalesce(providers.display_name, providers.first_name || ' ' || providers.last_name) as varchar(200)
        ) as display_name,
        cast(providers.npi_number as varchar(15)) as npi_number,
        cast(providers.specialty as varchar(100)) as specialty,
        cast(providers.provider_type as varchar(50)) as provider_type,
        org_keys.org_key,
        coalesce(providers.effective_start_date, cast(providers.created_at as date)) as effective_start_date,
        coalesce(providers.effective_end_date, cast('9999-12-31' as date)) as effective_end_date,
        providers.is_active as is_current,
        providers.created_at,
        providers.updated_at
    from providers
    inner join keys
        on providers.provider_id = keys.provider_id
    left join org_keys
        on providers.org_id = org_keys.org_id
)

select * from final
