-- "Generate a pre-visit summary" (spec 8.1): the patient's dashboard row, active bundles, open and
-- overdue gaps, recent lab trends and risk scores, as labelled lines. vars: patient_id.
with patients as (
    select * from {{ published(ref('dim_patient')) }}
    where is_current and patient_id = {{ analysis_param('patient_id', kind='int') }}
),

-- every version of the patient: an event fact keeps the key of the version current when it was loaded
patient_versions as (
    select * from {{ published(ref('dim_patient')) }}
    where patient_id = {{ analysis_param('patient_id', kind='int') }}
),

composite as (
    select composite.*
    from {{ published(ref('fact_patient_composite')) }} as composite
    inner join patients
        on composite.patient_key = patients.patient_key
),

patient_bundles as (
    select patient_bundles.*
    from {{ published(ref('fact_patient_bundle')) }} as patient_bundles
    inner join patients
        on patient_bundles.patient_key = patients.patient_key
    where patient_bundles.is_active
),

details as (
    select details.*
    from {{ published(ref('fact_patient_bundle_detail')) }} as details
    inner join patients
        on details.patient_key = patients.patient_key
),

observations as (
    select observations.*
    from {{ published(ref('fact_observation')) }} as observations
    inner join patient_versions
        on observations.patient_key = patient_versions.patient_key
),

bundles as (
    select * from {{ published(ref('dim_care_gap_bundle')) }}
),

measures as (
    select * from {{ published(ref('dim_measure')) }}
),

summary as (
    select
        1 as section_order,
        'patient' as section,
        concat_ws(
            ', ',
            patients.first_name || ' ' || patients.last_name,
            composite.age || ' y',
            composite.gender,
            'risk ' || coalesce(composite.risk_tier, 'unscored'),
            'priority ' || coalesce(cast(composite.abigail_priority_score as text), 'n/a'),
            'HCC ' || coalesce(cast(composite.hcc_risk_score as text), 'n/a'),
            'compliance ' || coalesce(cast(composite.overall_compliance_pct as text), 'n/a') || ' pct',
            composite.total_measures_open || ' open gaps',
            'last visit ' || coalesce(cast(composite.days_since_last_visit as text), '?') || ' days ago'
        ) as detail,
        cast(null as date) as as_of
    from patients
    inner join composite
        on patients.patient_key = composite.patient_key
),

active_bundles as (
    select
        2 as section_order,
        'bundle' as section,
        bundles.bundle_code || ' ' || bundles.bundle_name || ': ' || patient_bundles.measures_met || '/'
        || (patient_bundles.total_measures - patient_bundles.measures_excluded) || ' met ('
        || coalesce(cast(patient_bundles.compliance_pct as text), 'n/a') || ' pct)' as detail,
        patient_bundles.qualifying_date as as_of
    from patient_bundles
    inner join bundles
        on patient_bundles.bundle_key = bundles.bundle_key
),

gaps as (
    select
        case when details.is_overdue then 3 else 4 end as section_order,
        case when details.is_overdue then 'overdue gap' else 'open gap' end as section,
        bundles.bundle_code || ' ' || measures.measure_code || ' ' || measures.measure_name as detail,
        details.last_action_date as as_of
    from details
    inner join bundles
        on details.bundle_key = bundles.bundle_key
    inner join measures
        on details.measure_key = measures.measure_key
    where details.gap_status = 'Open' and not details.dedup_applied
),

-- the last three results of each lab the patient had in the past year, newest first
recent_labs as (
    select
        observation_code,
        observation_desc,
        value_numeric,
        units,
        cast(observation_datetime as date) as observed_on,
        row_number() over (partition by observation_code order by observation_datetime desc) as recency
    from observations
    where
        value_numeric is not null
        and observation_datetime >= {{ run_date() }} - interval '12 months'
),

lab_trends as (
    select
        5 as section_order,
        'lab trend' as section,
        coalesce(observation_desc, observation_code) || ': '
        || string_agg(cast(value_numeric as text) || coalesce(' ' || units, ''), ' <- ' order by observed_on desc)
            as detail,
        max(observed_on) as as_of
    from recent_labs
    where recency <= 3
    group by observation_code, observation_desc, units
),

final as (
    select * from summary
    union all
    select * from active_bundles
    union all
    select * from gaps
    union all
    select * from lab_trends
)

select
    section,
    detail,
    as_of
from final
order by section_order asc, as_of desc nulls last, detail asc
