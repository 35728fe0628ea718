-- Issue 13, 3.1: no owner row is Closed on an action older than its window, and no "Every visit" row
-- is Closed on an action taken before the patient's latest visit. One row per offending detail row.
with details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
),

visits as (
    select
        patient_id,
        max(cast(event_at as date)) as last_visit_date
    from {{ ref('int_care_gaps__evidence_events') }}
    where evidence_system = 'VISIT'
    group by patient_id
)

select
    details.detail_key,
    details.applied_frequency_days,
    details.last_action_date,
    visits.last_visit_date
from details
inner join patients
    on details.patient_key = patients.patient_key
left join visits
    on patients.patient_id = visits.patient_id
where
    not details.dedup_applied
    and details.gap_status = 'Closed'
    and (
        (details.applied_frequency_days > 0 and details.days_since_last_action > details.applied_frequency_days)
        or (details.applied_frequency_days = 0 and details.last_action_date < visits.last_visit_date)
    )
