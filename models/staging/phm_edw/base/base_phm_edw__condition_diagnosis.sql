-- base_phm_edw__condition_diagnosis: every phm_edw.condition_diagnosis row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__condition_diagnosis keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'condition_diagnosis_id', 'when': "condition_diagnosis_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'encounter_id', 'when': orphan('renamed.encounter_id', 'stg_phm_edw__encounter', 'encounter_id')},
    {'rule': 'orphan_fk', 'column': 'provider_id', 'when': orphan('renamed.provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'orphan_fk', 'column': 'condition_id', 'when': orphan('renamed.condition_id', 'stg_phm_edw__condition', 'condition_id')},
    {'rule': 'out_of_range_date', 'column': 'onset_date', 'when': out_of_range_date('onset_date')},
    {'rule': 'invalid_period', 'column': 'resolution_date', 'when': "resolution_date < onset_date"}
] %}

with source as (
    select * from {{ source('phm_edw', 'condition_diagnosis') }}
),

renamed as (
    select
        condition_diagnosis_id,
        patient_id,
        encounter_id,
        provider_id,
        condition_id,
        upper({{ clean_text('diagnosis_type') }}) as diagnosis_type,
        upper({{ clean_text('diagnosis_status') }}) as diagnosis_status,
        onset_date,
        resolution_date,
        {{ yn_to_bool('primary_indicator') }} as is_primary,
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
                        partition by (failed_rule_number is null), condition_diagnosis_id
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
                        partition by (key_rank = 1), patient_id, condition_id, onset_date, encounter_id
                        order by source_updated_at desc nulls last, condition_diagnosis_id asc
                    )
        end as record_rank
    from key_ranked
),

final as (
    select
        condition_diagnosis_id,
        patient_id,
        encounter_id,
        provider_id,
        condition_id,
        diagnosis_type,
        diagnosis_status,
        onset_date,
        resolution_date,
        is_primary,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'condition_diagnosis_id', 'patient_id') }}
    from record_ranked
)

select * from final
