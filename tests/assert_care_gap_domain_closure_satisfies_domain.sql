-- Issue 13, 3.2: a dedup domain whose measures no code evidences is not Open while the EDW holds a
-- closure, still within the domain's window, of any of the patient's measures in that domain.
with details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
),

dim_measures as (
    select * from {{ ref('dim_measure') }}
),

measures as (
    select * from {{ ref('measures') }}
),

care_gaps as (
    select * from {{ ref('stg_phm_edw__care_gap') }}
),

-- a unit is codified when any code evidences it (int_care_gaps__units): then evidence, not the EDW, judges it
unit_codes as (
    select * from {{ ref('int_care_gaps__unit_codes') }}
),

measure_definitions as (
    select * from {{ ref('stg_phm_edw__measure_definition') }}
),

closures as (
    select
        care_gaps.patient_id,
        measures.dedup_domain,
        cast(coalesce(care_gaps.resolved_date, care_gaps.identified_date) as date) as closed_date
    from care_gaps
    inner join measure_definitions
        on care_gaps.measure_id = measure_definitions.measure_id
    inner join measures
        on measure_definitions.measure_code = measures.measure_code
    where care_gaps.is_active and care_gaps.gap_status = 'Closed' and measures.dedup_domain is not null
)

select
    details.detail_key,
    details.dedup_domain
from details
inner join patients
    on details.patient_key = patients.patient_key
inner join dim_measures
    on details.measure_key = dim_measures.measure_key
inner join measures
    on dim_measures.measure_code = measures.measure_code
where
    details.gap_status = 'Open'
    and details.is_applicable
    and not exists (
        select 1
        from unit_codes
        where unit_codes.judgement_unit = {{ judgement_unit('measures.dedup_domain', 'measures.measure_code') }}
    )
    and exists (
        select 1
        from closures
        where
            closures.patient_id = patients.patient_id
            and closures.dedup_domain = details.dedup_domain
            and (
                details.applied_frequency_days is null
                or (
                    details.applied_frequency_days > 0
                    and {{ run_date() }} - closures.closed_date <= details.applied_frequency_days
                )
            )
    )
