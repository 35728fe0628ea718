-- base_phm_edw__code_crosswalk: every phm_edw.code_crosswalk row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__code_crosswalk keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'crosswalk_id', 'when': "crosswalk_id is null"},
    {'rule': 'null_code', 'column': 'source_code', 'when': "source_code is null or target_code is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'code_crosswalk') }}
),

renamed as (
    select
        crosswalk_id,
        {{ clean_code('source_code') }} as source_code,
        upper({{ clean_text('source_code_system') }}) as source_code_system,
        {{ clean_code('target_code') }} as target_code,
        upper({{ clean_text('target_code_system') }}) as target_code_system,
        valid_from,
        valid_to,
        {{ yn_to_bool('active_ind') }} as is_active,
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
                        partition by (failed_rule_number is null), crosswalk_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        crosswalk_id,
        source_code,
        source_code_system,
        target_code,
        target_code_system,
        valid_from,
        valid_to,
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'crosswalk_id') }}
    from key_ranked
)

select * from final
