-- fact_observation: one row per EDW observation (vitals, labs, screening scores); incremental.
{{ config(
    materialized='incremental',
    unique_key='observation_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=[
        "{{ delete_retracted('stg_phm_edw__observation', 'observation_id') }}",
        "{{ spec_index('idx_observation_patient_code', 'patient_key, observation_code') }}",
        "{{ spec_index('idx_observation_date', 'date_key_obs') }}"
    ]
) }}

with observations as (
    select * from {{ ref('stg_phm_edw__observation') }} as source_rows
    where {{ changed_since_last_load(id_column='observation_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

final as (
    select
        cast(observations.observation_id as bigint) as observation_key,
        observations.observation_id,
        patients.patient_key,
        cast(observations.encounter_id as bigint) as encounter_key,
        provider_keys.provider_key,
        {{ date_key('observations.observation_datetime') }} as date_key_obs,
        cast(observations.observation_code as varchar(50)) as observation_code,
        cast(observations.observation_desc as varchar(255)) as observation_desc,
        observations.value_numeric,
        cast(observations.value_text as varchar(500)) as value_text,
        cast(observations.units as varchar(50)) as units,
        cast(observations.abnormal_flag as char(1)) as abnormal_flag,
        1 as count_observation,
        observations.observation_datetime,
        observations.is_active,
        observations.source_updated_at
    from observations
    inner join patients
        on observations.patient_id = patients.patient_id
    left join provider_keys
        on observations.provider_id = provider_keys.provider_id
)

select * from final
