-- Within a patient, each dedup domain has exactly one owner row (dedup_applied = false); the other
-- rows of the domain name that owner's bundle as their source. A conditional measure that does not
-- apply to the patient takes no part in its domain (doc block measure_applicability).
with detail as (
    select * from {{ ref('fact_patient_bundle_detail') }}
    where dedup_domain is not null and is_applicable
),

owners as (
    select
        patient_key,
        dedup_domain,
        count(*) filter (where not dedup_applied) as owner_rows,
        min(bundle_key) filter (where not dedup_applied) as owner_bundle_key,
        count(distinct dedup_source_bundle) as source_bundles,
        min(dedup_source_bundle) as source_bundle_key
    from detail
    group by patient_key, dedup_domain
)

select *
from owners
where
    owner_rows <> 1
    or source_bundles > 1
    or (source_bundles = 1 and source_bundle_key <> owner_bundle_key)
