-- Each patient has exactly one current version in dim_patient, and versions do not overlap.
with versions as (
    select * from {{ ref('dim_patient') }}
),

current_counts as (
    select
        patient_id,
        count(*) filter (where is_current) as current_versions
    from versions
    group by patient_id
),

overlapping_versions as (
    select
        earlier.patient_id,
        earlier.patient_key
    from versions as earlier
    inner join versions as later
        on
            earlier.patient_id = later.patient_id
            and earlier.version_number + 1 = later.version_number
    where earlier.effective_end_date > later.effective_start_date
)

select
    patient_id,
    'current_versions = ' || current_versions as problem
from current_counts
where current_versions > 1
union all
select
    patient_id,
    'overlapping versions' as problem
from overlapping_versions
