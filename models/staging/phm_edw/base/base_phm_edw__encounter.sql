-- base_phm_edw__encounter: every phm_edw.encounter row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__encounter keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'encounter_id', 'when': "encounter_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'provider_id', 'when': orphan('renamed.provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'orphan_fk', 'column': 'org_id', 'when': orphan('renamed.org_id', 'stg_phm_edw__organization', 'org_id')},
    {'rule': 'invalid_period', 'column': 'discharge_datetime', 'when': "discharge_datetime < admission_datetime"},
    {'rule': 'out_of_range_date', 'column': 'encounter_datetime', 'when': out_of_range_date('encounter_datetime')},
    {'rule': 'out_of_range_date', 'column': 'admission_datetime', 'when': out_of_range_date('admission_datetime')}
] %}

with source as (
    select * from {{ source('phm_edw', 'encounter') }}
),

renamed as (
    select
        encounter_id,
        patient_id,
        provider_id,
        org_id,
        {{ clean_code('encounter_number') }} as encounter_number,
        upper({{ clean_text('encounter_type') }}) as encounter_type,
        {{ clean_text('encounter_reason') }} as encounter_reason,
        admission_datetime,
        discharge_datetime,
        encounter_datetime,
        upper({{ clean_text('disposition') }}) as disposition,
        upper({{ clean_text('status') }}) as status,
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
                        partition by (failed_rule_number is null), encounter_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        encounter_id,
        patient_id,
        provider_id,
        org_id,
        encounter_number,
        encounter_type,
        encounter_reason,
        admission_datetime,
        discharge_datetime,
        encounter_datetime,
        disposition,
        status,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'encounter_id') }}
    from key_ranked
)

select * from final
