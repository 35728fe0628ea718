-- base_phm_edw__provider: every phm_edw.provider row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__provider keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'provider_id', 'when': "provider_id is null"},
    {'rule': 'orphan_fk', 'column': 'org_id', 'when': orphan('renamed.org_id', 'stg_phm_edw__organization', 'org_id')}
] %}

with source as (
    select * from {{ source('phm_edw', 'provider') }}
),

renamed as (
    select
        provider_id,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('middle_name') }} as middle_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('display_name') }} as display_name,
        {{ clean_code('npi_number') }} as npi_number,
        {{ clean_text('license_number') }} as license_number,
        upper({{ clean_text('license_state') }}) as license_state,
        {{ clean_text('dea_number') }} as dea_number,
        upper({{ clean_text('provider_type') }}) as provider_type,
        {{ clean_text('specialty') }} as specialty,
        org_id,
        {{ clean_text('primary_phone') }} as primary_phone,
        {{ clean_text('email') }} as email,
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
                        partition by (failed_rule_number is null), provider_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
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
        source_updated_at,
        {{ reject_outputs(rules, 'provider_id') }}
    from key_ranked
)

select * from final
