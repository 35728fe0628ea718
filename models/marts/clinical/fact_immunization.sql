-- fact_immunization: one row per EDW immunization (spec 2.7); incremental.
{{ config(
    materialized='incremental',
    unique_key='immunization_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=["{{ delete_retracted('stg_phm_edw__immunization', 'immunization_id') }}"],
    indexes=[{'columns': ['patient_key']}]
) }}

with immunizations as (
    select * from {{ ref('stg_phm_edw__immunization') }} as source_rows
    where {{ changed_since_last_load(id_column='immunization_id') }}
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
        cast(immunizations.immunization_id as bigint) as immunization_key,
        immunizations.immunization_id,
        patients.patient_key,
        provider_keys.provider_key,
        {{ date_key('immunizations.administration_datetime') }} as date_key_administered,
        cast(immunizations.vaccine_code as varchar(50)) as vaccine_code,
        cast(immunizations.vaccine_name as varchar(255)) as vaccine_name,
        cast(immunizations.status as varchar(50)) as status,
        1 as count_immunization,
        immunizations.is_active,
        immunizations.source_updated_at
    from immunizations
    inner join patients
        on immunizations.patient_id = patients.patient_id
    left join provider_keys
        on immunizations.provider_id = provider_keys.provider_id
)

select * from final
