-- Issue 13, 3.5: fact_patient_composite is one row per active patient (spec 2.3): no inactive patient,
-- and every active current patient.
with composite as (
    select * from {{ ref('fact_patient_composite') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
)

select
    patients.patient_key,
    patients.is_active,
    composite.patient_key is not null as in_composite
from patients
left join composite
    on patients.patient_key = composite.patient_key
where
    (patients.is_active and composite.patient_key is null)
    or (not patients.is_active and composite.patient_key is not null)
