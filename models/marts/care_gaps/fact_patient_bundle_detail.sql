-- fact_patient_bundle_detail: one row per patient x bundle x measure with its gap status after dedup.
{{ config(
    post_hook=[
        "{{ spec_index('idx_bundle_detail_patient', 'patient_key') }}",
        "{{ spec_index('idx_bundle_detail_status', 'gap_status') }}",
        "{{ spec_index('idx_bundle_detail_overdue', 'is_overdue', 'is_overdue') }}",
        "create index on {{ this }} (patient_bundle_key)",
        "analyze {{ this }}"
    ]
) }}

with statuses as (
    select * from {{ ref('int_care_gaps__measure_status') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

bundle_keys as (
    select * from {{ ref('int_keys__bundle') }}
),

measure_keys as (
    select * from {{ ref('int_keys__measure') }}
),

final as (
    select
        (cast(statuses.patient_id as bigint) * 1000 + bundle_keys.bundle_key) * 10000 + measure_keys.measure_key
            as detail_key,
        cast(statuses.patient_id as bigint) * 1000 + bundle_keys.bundle_key as patient_bundle_key,
        patients.patient_key,
        bundle_keys.bundle_key,
        measure_keys.measure_key,
        {{ date_key('statuses.last_action_date') }} as date_key_last_action,
        cast(statuses.gap_status as varchar(50)) as gap_status,
        statuses.is_overdue,
        statuses.days_since_last_action,
        statuses.due_date,
        statuses.days_overdue,
        statuses.dedup_applied,
        source_bundle_keys.bundle_key as dedup_source_bundle,
        cast(statuses.dedup_domain as varchar(100)) as dedup_domain,
        cast(statuses.status_reason as varchar(50)) as status_reason,
        cast(statuses.measure_sequence as smallint) as measure_sequence,
        statuses.last_action_date,
        cast(statuses.last_action_code as varchar(60)) as last_action_code,
        cast(statuses.last_result_value as numeric(18, 4)) as last_result_value,
        cast(statuses.last_secondary_value as numeric(18, 4)) as last_secondary_value,
        statuses.last_result_date,
        cast(statuses.applied_target_low as numeric(10, 2)) as applied_target_low,
        cast(statuses.applied_target_high as numeric(10, 2)) as applied_target_high,
        cast(statuses.applied_secondary_target_high as numeric(10, 2)) as applied_secondary_target_high,
        statuses.applied_frequency_days,
        statuses.edw_care_gap_id,
        cast(statuses.last_result_text as varchar(100)) as last_result_text,
        statuses.is_applicable
    from statuses
    inner join patients
        on statuses.patient_id = patients.patient_id
    inner join bundle_keys
        on statuses.bundle_code = bundle_keys.bundle_code
    inner join measure_keys
        on statuses.measure_code = measure_keys.measure_code
    left join bundle_keys as source_bundle_keys
        on statuses.dedup_source_bundle_code = source_bundle_keys.bundle_code
)

select * from final
