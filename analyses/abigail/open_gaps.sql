-- "What are this patient's open care gaps across all bundles?" (spec 8.1)
-- vars: patient_id (EDW patient id). Deduplicated gaps are shown once, at the bundle that owns them.
with patients as (
    select * from {{ published(ref('dim_patient')) }}
    where is_current and patient_id = {{ analysis_param('patient_id', kind='int') }}
),

details as (
    select * from {{ published(ref('fact_patient_bundle_detail')) }}
),

bundles as (
    select * from {{ published(ref('dim_care_gap_bundle')) }}
),

measures as (
    select * from {{ published(ref('dim_measure')) }}
),

final as (
    select
        bundles.bundle_code,
        measures.measure_code,
        measures.measure_name,
        measures.frequency,
        measures.target_text,
        details.is_overdue,
        details.days_since_last_action,
        details.last_action_date,
        details.last_result_value
    from details
    inner join patients
        on details.patient_key = patients.patient_key
    inner join bundles
        on details.bundle_key = bundles.bundle_key
    inner join measures
        on details.measure_key = measures.measure_key
    where details.gap_status = 'Open' and not details.dedup_applied
)

select * from final
order by is_overdue desc, days_since_last_action desc nulls first, bundle_code asc, measure_code asc
