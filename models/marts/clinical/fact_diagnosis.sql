-- fact_diagnosis: one row per EDW diagnosis (condition_diagnosis); incremental.
{{ config(
    materialized='incremental',
    unique_key='diagnosis_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=[
        "{{ delete_retracted('stg_phm_edw__condition_diagnosis', 'condition_diagnosis_id') }}",
        "{{ spec_index('idx_diagnosis_patient', 'patient_key') }}",
        "{{ spec_index('idx_diagnosis_condition', 'condition_key') }}"
    ]
) }}

with diagnoses as (
    select * from {{ ref('stg_phm_edw__condition_diagnosis') }} as source_rows
    where {{ changed_since_last_load(id_column='condition_diagnosis_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

condition_keys as (
    select * from {{ ref('int_keys__condition') }}
),

final as (
    select
        cast(diagnoses.condition_diagnosis_id as bigint) as diagnosis_key,
        diagnoses.condition_diagnosis_id,
        patients.patient_key,
        cast(diagnoses.encounter_id as bigint) as encounter_key,
        provider_keys.provider_key,
        condition_keys.condition_key,
        {{ date_key('diagnoses.onset_date') }} as date_key_onset,
        {{ date_key('diagnoses.resolution_date') }} as date_key_resolved,
        cast(diagnoses.diagnosis_type as varchar(50)) as diagnosis_type,
        cast(diagnoses.diagnosis_status as varchar(50)) as diagnosis_status,
        diagnoses.is_primary as primary_indicator,
        1 as count_diagnosis,
        diagnoses.is_active,
        diagnoses.source_updated_at
    from diagnoses
    inner join patients
        on diagnoses.patient_id = patients.patient_id
    inner join condition_keys
        on diagnoses.condition_id = condition_keys.condition_id
    left join provider_keys
        on diagnoses.provider_id = provider_keys.provider_id
)

select * from final
