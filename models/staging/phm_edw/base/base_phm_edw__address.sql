-- base_phm_edw__address: every phm_edw.address row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__address keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'address_id', 'when': "address_id is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'address') }}
),

renamed as (
    select
        address_id,
        {{ clean_text('address_line1') }} as address_line1,
        {{ clean_text('address_line2') }} as address_line2,
        {{ clean_text('city') }} as city,
        upper({{ clean_text('state') }}) as state,
        {{ clean_text('zip') }} as zip,
        {{ clean_text('county') }} as county,
        upper({{ clean_text('country') }}) as country,
        latitude,
        longitude,
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
                        partition by (failed_rule_number is null), address_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
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
        source_updated_at,
        {{ reject_outputs(rules, 'address_id') }}
    from key_ranked
)

select * from final
