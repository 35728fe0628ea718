-- Issue 13, 3.4: conditional measures are not due for patients who do not meet their condition, checked
-- independently of the engine for two of them: STR-04 "(if Diabetic)" for a stroke patient without a
-- DM2 or DM1 bundle, and INR monitoring "(if on Warfarin)" (AFIB-03, VTE-03) without a warfarin order
-- (RxNorm 11289) in force on the run date.
with details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

patient_bundles as (
    select * from {{ ref('fact_patient_bundle') }}
    where is_active
),

bundles as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

dim_measures as (
    select * from {{ ref('dim_measure') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
),

orders as (
    select * from {{ ref('stg_phm_edw__medication_order') }}
),

medications as (
    select * from {{ ref('stg_phm_edw__medication') }}
),

diabetic as (
    select distinct patient_bundles.patient_key
    from patient_bundles
    inner join bundles
        on patient_bundles.bundle_key = bundles.bundle_key
    where bundles.bundle_code in ('DM2', 'DM1')
),

on_warfarin as (
    select distinct orders.patient_id
    from orders
    inner join medications
        on orders.medication_id = medications.medication_id
    where
        medications.medication_code = '11289'
        and orders.is_active
        and cast(orders.start_datetime as date) <= {{ run_date() }}
        and (orders.end_datetime is null or cast(orders.end_datetime as date) >= {{ run_date() }})
)

select
    details.detail_key,
    dim_measures.measure_code,
    details.gap_status
from details
inner join dim_measures
    on details.measure_key = dim_measures.measure_key
inner join patients
    on details.patient_key = patients.patient_key
where
    details.gap_status <> 'Excluded'
    and (
        (
            dim_measures.measure_code = 'STR-04'
            and details.patient_key not in (select diabetic.patient_key from diabetic)
        )
        or (
            dim_measures.measure_code in ('AFIB-03', 'VTE-03')
            and patients.patient_id not in (select on_warfarin.patient_id from on_warfarin)
        )
    )
