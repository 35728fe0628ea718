-- fact_medication_order: one row per EDW medication order; incremental.
{{ config(
    materialized='incremental',
    unique_key='med_order_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=[
        "{{ delete_retracted('stg_phm_edw__medication_order', 'medication_order_id') }}",
        "{{ spec_index('idx_med_order_patient', 'patient_key') }}"
    ]
) }}

with orders as (
    select * from {{ ref('stg_phm_edw__medication_order') }} as source_rows
    where {{ changed_since_last_load(id_column='medication_order_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

medication_keys as (
    select * from {{ ref('int_keys__medication') }}
),

final as (
    select
        cast(orders.medication_order_id as bigint) as med_order_key,
        orders.medication_order_id,
        patients.patient_key,
        cast(orders.encounter_id as bigint) as encounter_key,
        provider_keys.provider_key,
        medication_keys.medication_key,
        {{ date_key('orders.start_datetime') }} as date_key_start,
        {{ date_key('orders.end_datetime') }} as date_key_end,
        cast(orders.dosage as varchar(50)) as dosage,
        cast(orders.frequency as varchar(50)) as frequency,
        cast(orders.route as varchar(50)) as route,
        orders.refill_count,
        cast(orders.prescription_status as varchar(50)) as prescription_status,
        1 as count_med_order,
        orders.is_active,
        orders.source_updated_at
    from orders
    inner join patients
        on orders.patient_id = patients.patient_id
    inner join medication_keys
        on orders.medication_id = medication_keys.medication_id
    left join provider_keys
        on orders.provider_id = provider_keys.provider_id
)

select * from final
