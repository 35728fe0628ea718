-- A deduplicated row carries exactly its owner row's status, overdue flag and last action (spec 9.6).
with detail as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

owners as (
    select * from detail
    where dedup_domain is not null and not dedup_applied
)

select
    detail.detail_key,
    detail.gap_status,
    owners.gap_status as owner_gap_status
from detail
inner join owners
    on
        detail.patient_key = owners.patient_key
        and detail.dedup_domain = owners.dedup_domain
        and detail.dedup_source_bundle = owners.bundle_key
where
    detail.dedup_applied
    and (
        detail.gap_status <> owners.gap_status
        or detail.is_overdue <> owners.is_overdue
        or detail.last_action_date is distinct from owners.last_action_date
    )
