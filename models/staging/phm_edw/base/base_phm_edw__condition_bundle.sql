-- base_phm_edw__condition_bundle: every phm_edw.condition_bundle row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__condition_bundle keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'bundle_id', 'when': "bundle_id is null"},
    {'rule': 'null_code', 'column': 'bundle_code', 'when': "bundle_code is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'condition_bundle') }}
),

renamed as (
    select
        bundle_id,
        {{ clean_code('bundle_code') }} as bundle_code,
        {{ clean_text('condition_name') }} as condition_name,
        {{ clean_text('icd10_pattern') }} as icd10_pattern,
        bundle_size,
        {{ clean_text('key_ecqm_refs') }} as key_ecqm_refs,
        {{ clean_text('description') }} as description,
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
                        partition by (failed_rule_number is null), bundle_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        bundle_id,
        bundle_code,
        condition_name,
        icd10_pattern,
        bundle_size,
        key_ecqm_refs,
        description,
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'bundle_id') }}
    from key_ranked
)

select * from final
