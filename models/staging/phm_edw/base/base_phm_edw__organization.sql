-- base_phm_edw__organization: every phm_edw.organization row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__organization keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'org_id', 'when': "org_id is null"},
    {'rule': 'orphan_fk', 'column': 'parent_org_id', 'when': orphan_in_source('renamed.parent_org_id', 'organization', 'org_id')},
    {'rule': 'orphan_fk', 'column': 'address_id', 'when': orphan('renamed.address_id', 'stg_phm_edw__address', 'address_id')}
] %}

with source as (
    select * from {{ source('phm_edw', 'organization') }}
),

renamed as (
    select
        org_id,
        {{ clean_text('organization_name') }} as organization_name,
        upper({{ clean_text('organization_type') }}) as organization_type,
        parent_org_id,
        address_id,
        {{ clean_text('primary_phone') }} as primary_phone,
        {{ clean_text('secondary_phone') }} as secondary_phone,
        {{ clean_text('fax') }} as fax,
        {{ clean_text('email') }} as email,
        {{ clean_text('website') }} as website,
        {{ yn_to_bool('active_ind') }} as is_active,
        effective_start_date,
        effective_end_date,
        created_date as created_at,
        updated_date as updated_at,
        coalesce(updated_date, created_date) as source_updated_at,
        md5(cast(source.* as text)) as source_row_hash
    from source
),

checked as (
    select
        renamed.*,
        {{ failed_rule_number(rules) }} as failed_rule_number
    from renamed
    {{- rule_parents(rules) }}
),

key_ranked as (
    select
        checked.*,
        case
            when failed_rule_number is null
                then row_number() over (
                        partition by (failed_rule_number is null), org_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
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
        source_updated_at,
        {{ reject_outputs(rules, 'org_id') }}
    from key_ranked
)

select * from final
