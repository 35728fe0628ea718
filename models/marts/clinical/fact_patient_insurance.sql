-- fact_patient_insurance: one row per EDW coverage period (spec 2.8); incremental.
{{ config(
    materialized='incremental',
    unique_key='coverage_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=["{{ delete_retracted('stg_phm_edw__patient_insurance_coverage', 'coverage_id') }}"],
    indexes=[{'columns': ['patient_key']}]
) }}

with coverages as (
    select * from {{ ref('stg_phm_edw__patient_insurance_coverage') }} as source_rows
    where {{ changed_since_last_load(id_column='coverage_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

payer_keys as (
    select * from {{ ref('int_keys__payer') }}
),

final as (
    select
        cast(coverages.coverage_id as bigint) as coverage_key,
        coverages.coverage_id,
        patients.patient_key,
        payer_keys.payer_key,
        {{ date_key('coverages.coverage_start_date') }} as date_key_start,
        case
            when coverages.coverage_end_date is not null then {{ date_key('coverages.coverage_end_date') }}
        end as date_key_end,
        coverages.is_primary as primary_indicator,
        coverages.is_active,
        coverages.coverage_start_date,
        coverages.coverage_end_date,
        cast(coverages.policy_number as varchar(50)) as policy_number,
        coverages.source_updated_at
    from coverages
    inner join patients
        on coverages.patient_id = patients.patient_id
    inner join payer_keys
        on coverages.payer_id = payer_keys.payer_id
)

select * from final
