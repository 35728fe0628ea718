-- base_phm_edw__medication_order: every phm_edw.medication_order row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__medication_order keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'medication_order_id', 'when': "medication_order_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'encounter_id', 'when': orphan('renamed.encounter_id', 'stg_phm_edw__encounter', 'encounter_id')},
    {'rule': 'orphan_fk', 'column': 'provider_id', 'when': orphan('renamed.provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'orphan_fk', 'column': 'medication_id', 'when': orphan('renamed.medication_id', 'stg_phm_edw__medication', 'medication_id')},
    {'rule': 'out_of_range_date', 'column': 'start_datetime', 'when': out_of_range_date('start_datetime')},
    {'rule': 'invalid_period', 'column': 'end_datetime', 'when': "end_datetime < start_datetime"}
] %}

with source as (
    select * from {{ source('phm_edw', 'medication_order') }}
),

renamed as (
    select
        medication_order_id,
        patient_id,
        encounter_id,
        provider_id,
        medication_id,
        {{ clean_text('dosage') }} as dosage,
        {{ clean_text('frequency') }} as frequency,
        upper({{ clean_text('route') }}) as route,
        start_datetime,
        end_datetime,
        upper({{ clean_text('prescription_status') }}) as prescription_status,
        refill_count,
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
                        partition by (failed_rule_number is null), medication_order_id
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
                        partition by (key_rank = 1), patient_id, medication_id, start_datetime
                        order by source_updated_at desc nulls last, medication_order_id asc
                    )
        end as record_rank
    from key_ranked
),

final as (
    select
        medication_order_id,
        patient_id,
        encounter_id,
        provider_id,
        medication_id,
        dosage,
        frequency,
        route,
        start_datetime,
        end_datetime,
        prescription_status,
        refill_count,
        comments,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'medication_order_id', 'patient_id') }}
    from record_ranked
)

select * from final
