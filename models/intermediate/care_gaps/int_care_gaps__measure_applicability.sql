-- int_care_gaps__measure_applicability: one row per qualified patient x conditional measure (a measure whose
-- seed row has an applicability rule), saying whether the "(if ...)" condition holds on the run date.
-- The rule is data (measures.applicability_*); this one model evaluates every kind of rule
-- (doc block measure_applicability).
with qualified as (
    select * from {{ ref('int_care_gaps__qualified') }}
),

bundle_measures as (
    select * from {{ ref('bundle_measures') }}
),

measures as (
    select * from {{ ref('measures') }}
),

patients as (
    select * from {{ ref('stg_phm_edw__patient') }}
),

diagnoses as (
    select * from {{ ref('stg_phm_edw__condition_diagnosis') }}
),

conditions as (
    select * from {{ ref('stg_phm_edw__condition') }}
),

medication_orders as (
    select * from {{ ref('stg_phm_edw__medication_order') }}
),

medication_catalogue as (
    select * from {{ ref('stg_phm_edw__medication') }}
),

procedures_performed as (
    select * from {{ ref('stg_phm_edw__procedure_performed') }}
),

procedure_catalogue as (
    select * from {{ ref('stg_phm_edw__procedure') }}
),

observations as (
    select * from {{ ref('stg_phm_edw__observation') }}
),

edw_gaps as (
    select * from {{ ref('int_care_gaps__edw_gaps') }}
),

rules as (
    select
        measure_code,
        applicability_system,
        applicability_value_low,
        applicability_value_high,
        trim(rule_code) as rule_code
    from measures
    cross join lateral unnest(string_to_array(coalesce(applicability_codes, ''), '|')) as listed (rule_code)
    where applicability_system is not null
),

candidates as (
    select distinct
        qualified.patient_id,
        bundle_measures.measure_code
    from qualified
    inner join bundle_measures
        on qualified.bundle_code = bundle_measures.bundle_code
    inner join measures
        on bundle_measures.measure_code = measures.measure_code
    where measures.applicability_system is not null
),

-- each kind of rule, as the (patient, measure) pairs whose condition holds and what showed it
by_bundle as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        'BUNDLE ' || qualified.bundle_code as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system = 'BUNDLE'
    inner join qualified
        on candidates.patient_id = qualified.patient_id and rules.rule_code = qualified.bundle_code
),

present_diagnoses as (
    select
        diagnoses.patient_id,
        conditions.condition_code_normalized
    from diagnoses
    inner join conditions
        on diagnoses.condition_id = conditions.condition_id
    where
        diagnoses.is_active
        and conditions.code_system_family = 'ICD10'
        and (diagnoses.resolution_date is null or diagnoses.resolution_date > {{ run_date() }})
        and coalesce(diagnoses.diagnosis_status, 'ACTIVE') not in (
            {%- for status in var('inactive_diagnosis_statuses') %}
                '{{ status }}'{% if not loop.last %},{% endif %}
            {%- endfor %}
        )
),

by_diagnosis as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        'ICD10 ' || present_diagnoses.condition_code_normalized as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system = 'ICD10'
    inner join present_diagnoses
        on
            candidates.patient_id = present_diagnoses.patient_id
            and present_diagnoses.condition_code_normalized like {{ normalize_icd10('rules.rule_code') }} || '%'
),

by_medication as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        'RXNORM ' || medication_catalogue.medication_code as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system = 'RXNORM'
    inner join medication_orders
        on candidates.patient_id = medication_orders.patient_id
    inner join medication_catalogue
        on
            medication_orders.medication_id = medication_catalogue.medication_id
            and rules.rule_code = medication_catalogue.medication_code
    where
        medication_orders.is_active
        and cast(medication_orders.start_datetime as date) <= {{ run_date() }}
        and (medication_orders.end_datetime is null or cast(medication_orders.end_datetime as date) >= {{ run_date() }})
        and coalesce(medication_orders.prescription_status, 'ACTIVE')
        not in ('CANCELLED', 'CANCELED', 'ENTERED IN ERROR', 'STOPPED', 'DISCONTINUED', 'COMPLETED')
),

by_procedure as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        'CPT ' || procedure_catalogue.procedure_code as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system = 'CPT'
    inner join procedures_performed
        on candidates.patient_id = procedures_performed.patient_id
    inner join procedure_catalogue
        on
            procedures_performed.procedure_id = procedure_catalogue.procedure_id
            and rules.rule_code = procedure_catalogue.procedure_code
    where procedures_performed.is_active and cast(procedures_performed.procedure_datetime as date) <= {{ run_date() }}
),

latest_results as (
    select distinct on (observations.patient_id, observations.observation_code)
        observations.patient_id,
        observations.observation_code,
        observations.value_numeric
    from observations
    where
        observations.is_active
        and observations.value_numeric is not null
        and cast(observations.observation_datetime as date) <= {{ run_date() }}
    order by
        observations.patient_id asc,
        observations.observation_code asc,
        observations.observation_datetime desc,
        observations.observation_id desc
),

by_result as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        'LOINC ' || latest_results.observation_code || ' = ' || latest_results.value_numeric as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system = 'LOINC'
    inner join latest_results
        on candidates.patient_id = latest_results.patient_id and rules.rule_code = latest_results.observation_code
    where
        (rules.applicability_value_low is null or latest_results.value_numeric >= rules.applicability_value_low)
        and (rules.applicability_value_high is null or latest_results.value_numeric < rules.applicability_value_high)
),

by_patient as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        rules.applicability_system || ' ' || coalesce(patients.gender, '') as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system in ('SEX', 'AGE')
    inner join patients
        on candidates.patient_id = patients.patient_id
    where
        (rules.applicability_system = 'SEX' and patients.gender = upper(rules.rule_code))
        or (
            rules.applicability_system = 'AGE'
            and (
                rules.applicability_value_low is null
                or extract(year from age({{ run_date() }}, patients.date_of_birth)) >= rules.applicability_value_low
            )
            and (
                rules.applicability_value_high is null
                or extract(year from age({{ run_date() }}, patients.date_of_birth)) < rules.applicability_value_high
            )
        )
),

by_edw as (
    select distinct
        candidates.patient_id,
        candidates.measure_code,
        'EDW care_gap ' || edw_gaps.care_gap_id as shown_by
    from candidates
    inner join rules
        on candidates.measure_code = rules.measure_code and rules.applicability_system = 'EDW'
    inner join edw_gaps
        on candidates.patient_id = edw_gaps.patient_id and candidates.measure_code = edw_gaps.measure_code
),

shown as (
    select * from by_bundle
    union all
    select * from by_diagnosis
    union all
    select * from by_medication
    union all
    select * from by_procedure
    union all
    select * from by_result
    union all
    select * from by_patient
    union all
    select * from by_edw
),

final as (
    select
        candidates.patient_id,
        candidates.measure_code,
        count(shown.shown_by) > 0 as is_applicable,
        min(shown.shown_by) as applicability_shown_by
    from candidates
    left join shown
        on candidates.patient_id = shown.patient_id and candidates.measure_code = shown.measure_code
    group by candidates.patient_id, candidates.measure_code
)

select * from final
