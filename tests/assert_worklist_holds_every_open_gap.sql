-- Every Open, non-deduplicated measure of fact_patient_bundle_detail is on the care-gap worklist, and
-- nothing else is. Upstream's worklist was empty while open gaps existed (status compared as 'OPEN').
-- One row per missing or extra detail_key.
with open_gaps as (
    select detail_key
    from {{ ref('fact_patient_bundle_detail') }}
    where gap_status = 'Open' and not dedup_applied
),

worklist as (
    select detail_key
    from {{ ref('mv_care_gap_worklist') }}
),

missing as (
    select
        detail_key,
        'missing from the worklist' as problem
    from open_gaps
    where detail_key not in (select worklist.detail_key from worklist)
),

extra as (
    select
        detail_key,
        'on the worklist but not an open gap' as problem
    from worklist
    where detail_key not in (select open_gaps.detail_key from open_gaps)
)

select * from missing
union all
select * from extra
