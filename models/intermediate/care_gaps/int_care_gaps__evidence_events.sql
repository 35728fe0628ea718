-- int_care_gaps__evidence_events: every clinical event that can satisfy a care-gap measure, in one long
-- shape (patient, system, code, when, value), plus each patient's visits for "Every visit" measures.
-- Only codes some measure names are kept. A prescription counts as evidence up to the day its order
-- ends (or the run date while it is open), so a statin started two years ago and still taken counts.
-- A SNOMED-coded procedure counts under the CPT/HCPCS codes the EDW's crosswalk maps it to.
with observations as (
    select * from {{ ref('stg_phm_edw__observation') }}
),

procedures_performed as (
    select * from {{ ref('stg_phm_edw__procedure_performed') }}
),

procedure_catalogue as (
    select * from {{ ref('stg_phm_edw__procedure') }}
),

medication_orders as (
    select * from {{ ref('stg_phm_edw__medication_order') }}
),

medication_catalogue as (
    select * from {{ ref('stg_phm_edw__medication') }}
),

immunizations as (
    select * from {{ ref('stg_phm_edw__immunization') }}
),

encounters as (
    select * from {{ ref('stg_phm_edw__encounter') }}
),

encounter_types as (
    select * from {{ ref('encounter_types') }}
),

crosswalk as (
    select * from {{ ref('int_care_gaps__code_crosswalk') }}
    where target_system = 'CPT'
),

wanted_codes as (
    select distinct
        evidence_system,
        evidence_code
    from {{ ref('int_care_gaps__unit_codes') }}
),

observation_events as (
    select
        observations.patient_id,
        'LOINC' as evidence_system,
        observations.observation_code as evidence_code,
        observations.observation_datetime as event_at,
        observations.value_numeric,
        upper(trim(observations.value_text)) as value_text,
        'observation' as source_table,
        observations.observation_id as source_id
    from observations
    where observations.is_active
),

procedure_events as (
    select
        procedures_performed.patient_id,
        'CPT' as evidence_system,
        procedure_catalogue.procedure_code as evidence_code,
        procedures_performed.procedure_datetime as event_at,
        cast(null as numeric) as value_numeric,
        cast(null as text) as value_text,
        'procedure_performed' as source_table,
        procedures_performed.procedure_performed_id as source_id
    from procedures_performed
    inner join procedure_catalogue
        on procedures_performed.procedure_id = procedure_catalogue.procedure_id
    where procedures_performed.is_active and procedures_performed.procedure_datetime is not null
),

crosswalked_procedure_events as (
    select
        procedures_performed.patient_id,
        'CPT' as evidence_system,
        crosswalk.target_code as evidence_code,
        procedures_performed.procedure_datetime as event_at,
        cast(null as numeric) as value_numeric,
        cast(null as text) as value_text,
        'procedure_performed' as source_table,
        procedures_performed.procedure_performed_id as source_id
    from procedures_performed
    inner join procedure_catalogue
        on procedures_performed.procedure_id = procedure_catalogue.procedure_id
    inner join crosswalk
        on procedure_catalogue.procedure_code = crosswalk.snomed_code
    where
        procedures_performed.is_active
        and procedures_performed.procedure_datetime is not null
        and {{ code_system_family('procedure_catalogue.code_system') }} = 'SNOMED'
),

medication_events as (
    select
        medication_orders.patient_id,
        'RXNORM' as evidence_system,
        medication_catalogue.medication_code as evidence_code,
        greatest(
            medication_orders.start_datetime,
            least(
                coalesce(medication_orders.end_datetime, cast({{ run_date() }} as timestamp)),
                cast({{ run_date() }} as timestamp)
            )
        ) as event_at,
        cast(null as numeric) as value_numeric,
        cast(null as text) as value_text,
        'medication_order' as source_table,
        medication_orders.medication_order_id as source_id
    from medication_orders
    inner join medication_catalogue
        on medication_orders.medication_id = medication_catalogue.medication_id
    where
        medication_orders.is_active
        and medication_orders.start_datetime is not null
        and coalesce(medication_orders.prescription_status, 'ACTIVE')
        not in ('CANCELLED', 'CANCELED', 'ENTERED IN ERROR')
),

immunization_events as (
    select
        immunizations.patient_id,
        'CVX' as evidence_system,
        immunizations.vaccine_code as evidence_code,
        immunizations.administration_datetime as event_at,
        cast(null as numeric) as value_numeric,
        cast(null as text) as value_text,
        'immunization' as source_table,
        immunizations.immunization_id as source_id
    from immunizations
    where immunizations.is_active and coalesce(immunizations.status, 'COMPLETED') not in ('NOT GIVEN', 'REFUSED')
),

coded_events as (
    select * from observation_events
    union all
    select * from procedure_events
    union all
    select * from crosswalked_procedure_events
    union all
    select * from medication_events
    union all
    select * from immunization_events
),

kept_events as (
    select coded_events.*
    from coded_events
    inner join wanted_codes
        on
            coded_events.evidence_system = wanted_codes.evidence_system
            and coded_events.evidence_code = wanted_codes.evidence_code
),

visit_events as (
    select
        encounters.patient_id,
        'VISIT' as evidence_system,
        encounters.encounter_type as evidence_code,
        encounters.encounter_datetime as event_at,
        cast(null as numeric) as value_numeric,
        cast(null as text) as value_text,
        'encounter' as source_table,
        encounters.encounter_id as source_id
    from encounters
    inner join encounter_types
        on encounters.encounter_type = encounter_types.encounter_type
    where
        encounters.is_active
        and encounters.encounter_datetime is not null
        and encounter_types.is_visit
),

final as (
    select * from kept_events
    where cast(event_at as date) <= {{ run_date() }}
    union all
    select * from visit_events
    where cast(event_at as date) <= {{ run_date() }}
)

select * from final
