-- fact_procedure: one row per EDW procedure performed; incremental.
{{ config(
    materialized='incremental',
    unique_key='procedure_perf_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=["{{ delete_retracted('stg_phm_edw__procedure_performed', 'procedure_performed_id') }}"],
    indexes=[{'columns': ['patient_key']}]
) }}

with performed as (
    select * from {{ ref('stg_phm_edw__procedure_performed') }} as source_rows
    where {{ changed_since_last_load(id_column='procedure_performed_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

procedure_keys as (
    select * from {{ ref('int_keys__procedure') }}
),

final as (
    select
        cast(performed.procedure_performed_id as bigint) as procedure_perf_key,
        performed.procedure_performed_id,
        patients.patient_key,
        cast(performed.encounter_id as bigint) as encounter_key,
        provider_keys.provider_key,
        procedure_keys.procedure_key,
        {{ date_key('performed.procedure_datetime') }} as date_key_procedure,
        cast(performed.modifiers as varchar(50)) as modifiers,
        1 as count_procedure,
        performed.procedure_datetime,
        performed.is_active,
        performed.source_updated_at
    from performed
    inner join patients
        on performed.patient_id = patients.patient_id
    inner join procedure_keys
        on performed.procedure_id = procedure_keys.procedure_id
    left join provider_keys
        on performed.provider_id = provider_keys.provider_id
)

select * from final
