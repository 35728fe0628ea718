-- fact_encounter: one row per EDW encounter (office, telehealth, ED, inpatient); incremental.
{{ config(
    materialized='incremental',
    unique_key='encounter_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=[
        "{{ delete_retracted('stg_phm_edw__encounter', 'encounter_id') }}",
        "{{ spec_index('idx_encounter_date', 'date_key_encounter') }}",
        "{{ spec_index('idx_encounter_patient', 'patient_key') }}"
    ]
) }}

with encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }} as source_rows
    where {{ changed_since_last_load(id_column='encounter_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

org_keys as (
    select * from {{ ref('int_keys__organization') }}
),

final as (
    select
        cast(encounters.encounter_id as bigint) as encounter_key,
        encounters.encounter_id,
        patients.patient_key,
        provider_keys.provider_key,
        org_keys.org_key,
        {{ date_key('coalesce(encounters.encounter_datetime, encounters.admission_datetime)') }} as date_key_encounter,
        {{ date_key('encounters.discharge_datetime') }} as date_key_discharge,
        cast(encounters.encounter_type as varchar(50)) as encounter_type,
        cast(encounters.status as varchar(50)) as encounter_status,
        cast(
            round(
                cast(extract(epoch from encounters.discharge_datetime - encounters.admission_datetime) as numeric)
                / 86400,
                2
            ) as numeric(5, 2)
        ) as length_of_stay,
        1 as count_encounter,
        encounters.encounter_datetime,
        encounters.admission_datetime,
        encounters.discharge_datetime,
        cast(encounters.disposition as varchar(100)) as disposition,
        encounters.is_active,
        encounters.source_updated_at
    from encounters
    inner join patients
        on encounters.patient_id = patients.patient_id
    left join provider_keys
        on encounters.provider_id = provider_keys.provider_id
    left join org_keys
        on encounters.org_id = org_keys.org_id
)

select * from final
