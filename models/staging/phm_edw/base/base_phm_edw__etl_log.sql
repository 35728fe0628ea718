-- base_phm_edw__etl_log: every phm_edw.etl_log row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__etl_log keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'etl_log_id', 'when': "etl_log_id is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'etl_log') }}
),

renamed as (
    select
        etl_log_id,
        {{ clean_text('source_system') }} as source_system,
        load_start_timestamp,
        load_end_timestamp,
        rows_inserted,
        rows_updated,
        upper({{ clean_text('load_status') }}) as load_status,
        {{ clean_text('error_message') }} as error_message,
        created_date as created_at,
        created_date as source_updated_at,
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
                        partition by (failed_rule_number is null), etl_log_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        etl_log_id,
        source_system,
        load_start_timestamp,
        load_end_timestamp,
        rows_inserted,
        rows_updated,
        load_status,
        error_message,
        created_at,
        source_updated_at,
        {{ reject_outputs(rules, 'etl_log_id') }}
    from key_ranked
)

select * from final
