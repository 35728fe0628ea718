-- fact_care_gap: one row per EDW care gap (spec part 3), kept current by an upsert: a gap whose status
-- changes in the EDW updates its existing row (merge on care_gap_key), never adds a second one.
-- Each run re-reads the gaps changed within the look-back window and every gap still Open here,
-- so days_open of open gaps stays right as the days pass.
{{ config(
    materialized='incremental',
    unique_key='care_gap_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=[
        "{{ delete_retracted('stg_phm_edw__care_gap', 'care_gap_id') }}",
        "{{ spec_index('idx_care_gap_status', 'gap_status') }}",
        "{{ spec_index('idx_care_gap_patient_measure', 'patient_key, measure_key') }}",
        "{{ spec_index('idx_care_gap_bundle', 'bundle_key') }}"
    ]
) }}

with care_gaps as (
    select * from {{ ref('stg_phm_edw__care_gap') }}
    where
        {{ changed_since_last_load() }}
        {%- if is_incremental() %}
            or care_gap_id in (
                select open_gaps.care_gap_id
                from {{ this }} as open_gaps
                where open_gaps.gap_status = 'Open'
            )
        {%- endif %}
),

measure_definitions as (
    select * from {{ ref('stg_phm_edw__measure_definition') }}
),

edw_bundles as (
    select * from {{ ref('stg_phm_edw__condition_bundle') }}
),

bundles as (
    select * from {{ ref('care_gap_bundles') }}
),

bundle_measures as (
    select * from {{ ref('bundle_measures') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

attribution as (
    select * from {{ ref('int_patients__attribution') }}
),

measure_keys as (
    select * from {{ ref('int_keys__measure') }}
),

bundle_keys as (
    select * from {{ ref('int_keys__bundle') }}
),

provider_keys as (
    select * from {{ ref('int_keys__provider') }}
),

org_keys as (
    select * from {{ ref('int_keys__organization') }}
),

-- the gap's bundle: the EDW's bundle_id through its upstream code (DM, T1D, ...), else the measure's bundle
resolved as (
    select
        care_gaps.*,
        measure_definitions.measure_code,
        coalesce(bundles.bundle_code, bundle_measures.bundle_code) as bundle_code
    from care_gaps
    inner join measure_definitions
        on care_gaps.measure_id = measure_definitions.measure_id
    left join edw_bundles
        on care_gaps.bundle_id = edw_bundles.bundle_id
    left join bundles
        on edw_bundles.bundle_code = bundles.edw_bundle_code
    left join bundle_measures
        on measure_definitions.measure_code = bundle_measures.measure_code
),

final as (
    select
        cast(resolved.care_gap_id as bigint) as care_gap_key,
        resolved.care_gap_id,
        patients.patient_key,
        measure_keys.measure_key,
        {{ date_key('resolved.identified_date') }} as date_key_identified,
        case when resolved.resolved_date is not null then {{ date_key('resolved.resolved_date') }} end
            as date_key_resolved,
        cast(resolved.gap_status as varchar(50)) as gap_status,
        1 as count_care_gap,
        bundle_keys.bundle_key,
        provider_keys.provider_key,
        org_keys.org_key,
        coalesce(cast(resolved.resolved_date as date), {{ run_date() }}) - cast(resolved.identified_date as date)
            as days_open,
        case when resolved.due_date is not null then {{ date_key('resolved.due_date') }} end as date_key_due,
        cast(resolved.gap_priority as varchar(20)) as gap_priority,
        resolved.is_active,
        resolved.source_updated_at
    from resolved
    inner join patients
        on resolved.patient_id = patients.patient_id
    inner join measure_keys
        on resolved.measure_code = measure_keys.measure_code
    left join bundle_keys
        on resolved.bundle_code = bundle_keys.bundle_code
    left join attribution
        on resolved.patient_id = attribution.patient_id
    left join provider_keys
        on attribution.provider_id = provider_keys.provider_id
    left join org_keys
        on attribution.org_id = org_keys.org_id
)

select * from final
