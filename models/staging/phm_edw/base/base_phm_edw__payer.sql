-- base_phm_edw__payer: every phm_edw.payer row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__payer keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'payer_id', 'when': "payer_id is null"},
    {'rule': 'orphan_fk', 'column': 'address_id', 'when': orphan('renamed.address_id', 'stg_phm_edw__address', 'address_id')}
] %}

with source as (
    select * from {{ source('phm_edw', 'payer') }}
),

renamed as (
    select
        payer_id,
        {{ clean_text('payer_name') }} as payer_name,
        upper({{ clean_text('payer_type') }}) as payer_type,
        address_id,
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
                        partition by (failed_rule_number is null), payer_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        payer_id,
        payer_name,
        payer_type,
        address_id,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'payer_id') }}
    from key_ranked
)

select * from final
