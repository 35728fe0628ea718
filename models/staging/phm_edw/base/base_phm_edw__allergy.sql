-- base_phm_edw__allergy: every phm_edw.allergy row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__allergy keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'allergy_id', 'when': "allergy_id is null"},
    {'rule': 'null_code', 'column': 'allergy_code', 'when': "allergy_code is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'allergy') }}
),

renamed as (
    select
        allergy_id,
        {{ clean_code('allergy_code') }} as allergy_code,
        {{ clean_text('allergy_name') }} as allergy_name,
        upper({{ clean_text('code_system') }}) as code_system,
        upper({{ clean_text('category') }}) as category,
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
                        partition by (failed_rule_number is null), allergy_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        allergy_id,
        allergy_code,
        allergy_name,
        code_system,
        category,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'allergy_id') }}
    from key_ranked
)

select * from final
