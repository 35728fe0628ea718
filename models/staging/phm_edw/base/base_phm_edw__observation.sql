-- base_phm_edw__observation: every phm_edw.observation row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__observation keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'observation_id', 'when': "observation_id is null"},
    {'rule': 'null_code', 'column': 'observation_code', 'when': "observation_code is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'encounter_id', 'when': orphan('renamed.encounter_id', 'stg_phm_edw__encounter', 'encounter_id')},
    {'rule': 'orphan_fk', 'column': 'provider_id', 'when': orphan('renamed.provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'malformed_code', 'column': 'observation_code', 'when': malformed('observation_code', 'loinc_pattern')},
    {'rule': 'out_of_range_date', 'column': 'observation_datetime', 'when': out_of_range_date('observation_datetime')},
    {'rule': 'malformed_code', 'column': 'observation_code', 'when': loinc_check_digit_fails('observation_code')},
    {'rule': 'non_numeric_value', 'column': 'value_text', 'when': non_numeric_quantity('observation_code', 'value_numeric', 'value_text')},
    {'rule': 'implausible_value', 'column': 'value_numeric', 'when': implausible_observation('observation_code', 'value_numeric')}
] %}

with source as (
    select * from {{ source('phm_edw', 'observation') }}
),

renamed as (
    select
        observation_id,
        patient_id,
        encounter_id,
        provider_id,
        observation_datetime,
        {{ clean_code('observation_code') }} as observation_code,
        {{ clean_text('observation_desc') }} as observation_desc,
        {{ observation_numeric_value('value_numeric', 'value_text') }} as value_numeric,
        {{ clean_text('value_text') }} as value_text,
        {{ clean_text('units') }} as units,
        {{ clean_text('reference_range') }} as reference_range,
        upper({{ clean_text('abnormal_flag') }}) as abnormal_flag,
        upper({{ clean_text('status') }}) as status,
        {{ clean_text('comments') }} as comments,
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
                        partition by (failed_rule_number is null), observation_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

record_ranked as (
    select
        key_ranked.*,
        case
            when key_rank = 1
                then row_number() over (
                        partition by
                            (key_rank = 1),
                            patient_id,
                            observation_code,
                            observation_datetime,
                            value_numeric,
                            value_text
                        order by source_updated_at desc nulls last, observation_id asc
                    )
        end as record_rank
    from key_ranked
),

final as (
    select
        observation_id,
        patient_id,
        encounter_id,
        provider_id,
        observation_datetime,
        observation_code,
        observation_desc,
        value_numeric,
        value_text,
        units,
        reference_range,
        abnormal_flag,
        status,
        comments,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'observation_id', 'patient_id') }}
    from record_ranked
)

select * from final
