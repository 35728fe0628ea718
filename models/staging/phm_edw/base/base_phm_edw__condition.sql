-- base_phm_edw__condition: every phm_edw.condition row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__condition keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'condition_id', 'when': "condition_id is null"},
    {'rule': 'null_code', 'column': 'condition_code', 'when': "condition_code is null"},
    {'rule': 'malformed_code', 'column': 'condition_code', 'when': "code_system_family = 'ICD10' and condition_code_normalized !~ '" ~ var('icd10_pattern') ~ "'"},
    {'rule': 'malformed_code', 'column': 'condition_code', 'when': "code_system_family = 'SNOMED' and condition_code_normalized !~ '" ~ var('snomed_pattern') ~ "'"},
    {'rule': 'invalid_code_system', 'column': 'code_system', 'when': unknown_code_system('code_system_family', ['ICD10', 'SNOMED'])}
] %}

with source as (
    select * from {{ source('phm_edw', 'condition') }}
),

renamed as (
    select
        {{ code_system_family('code_system') }} as code_system_family,
        condition_id,
        case
            when {{ code_system_family('code_system') }} = 'ICD10'
                then {{ icd10_dotted(normalize_icd10('condition_code')) }}
            else {{ clean_code('condition_code') }}
        end as condition_code,
        case
            when {{ code_system_family('code_system') }} = 'ICD10'
                then {{ normalize_icd10('condition_code') }}
            else {{ clean_code('condition_code') }}
        end as condition_code_normalized,
        {{ clean_text('condition_name') }} as condition_name,
        upper({{ clean_text('code_system') }}) as code_system,
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
                        partition by (failed_rule_number is null), condition_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        condition_id,
        condition_code,
        condition_code_normalized,
        code_system_family,
        condition_name,
        code_system,
        description,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'condition_id') }}
    from key_ranked
)

select * from final
