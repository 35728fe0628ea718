-- base_phm_edw__measure_definition: every phm_edw.measure_definition row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__measure_definition keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'measure_id', 'when': "measure_id is null"},
    {'rule': 'null_code', 'column': 'measure_code', 'when': "measure_code is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'measure_definition') }}
),

renamed as (
    select
        measure_id,
        {{ clean_code('measure_code') }} as measure_code,
        {{ clean_text('measure_name') }} as measure_name,
        upper({{ clean_text('measure_type') }}) as measure_type,
        {{ clean_text('denominator_criteria') }} as denominator_criteria,
        {{ clean_text('numerator_criteria') }} as numerator_criteria,
        {{ clean_text('exclusion_criteria') }} as exclusion_criteria,
        {{ clean_text('description') }} as description,
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
                        partition by (failed_rule_number is null), measure_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        measure_id,
        measure_code,
        measure_name,
        measure_type,
        denominator_criteria,
        numerator_criteria,
        exclusion_criteria,
        description,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'measure_id') }}
    from key_ranked
)

select * from final
