-- base_phm_edw__medication: every phm_edw.medication row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__medication keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'medication_id', 'when': "medication_id is null"},
    {'rule': 'null_code', 'column': 'medication_code', 'when': "medication_code is null"},
    {'rule': 'malformed_code', 'column': 'medication_code', 'when': "code_system = 'RXNORM' and " ~ malformed('medication_code', 'rxnorm_pattern')}
] %}

with source as (
    select * from {{ source('phm_edw', 'medication') }}
),

renamed as (
    select
        medication_id,
        {{ clean_code('medication_code') }} as medication_code,
        {{ clean_text('medication_name') }} as medication_name,
        upper({{ clean_text('code_system') }}) as code_system,
        {{ clean_text('form') }} as form,
        {{ clean_text('strength') }} as strength,
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
                        partition by (failed_rule_number is null), medication_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        medication_id,
        medication_code,
        medication_name,
        code_system,
        form,
        strength,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'medication_id') }}
    from key_ranked
)

select * from final
