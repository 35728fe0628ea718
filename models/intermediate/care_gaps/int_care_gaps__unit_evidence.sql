-- int_care_gaps__unit_evidence: one row per patient x judgement unit that has any evidence: the latest
-- action (any of the unit's codes), the latest result (a value-bearing result code) and the secondary
-- value recorded at the same moment (diastolic beside systolic). A result is a number, a text (NOT
-- DETECTED) or both, as the lab reported it.
with units as (
    select * from {{ ref('int_care_gaps__units') }}
),

unit_codes as (
    select * from {{ ref('int_care_gaps__unit_codes') }}
),

events as (
    select * from {{ ref('int_care_gaps__evidence_events') }}
),

matched as (
    select
        events.patient_id,
        unit_codes.judgement_unit,
        unit_codes.is_result_code,
        unit_codes.is_secondary_code,
        events.evidence_system,
        events.evidence_code,
        events.event_at,
        events.value_numeric,
        events.value_text,
        events.source_table,
        events.source_id
    from events
    inner join unit_codes
        on events.evidence_system = unit_codes.evidence_system and events.evidence_code = unit_codes.evidence_code
    inner join units
        on events.patient_id = units.patient_id and unit_codes.judgement_unit = units.judgement_unit
),

actions as (
    select
        patient_id,
        judgement_unit,
        max(event_at) as last_action_at,
        (array_agg(evidence_system || ' ' || evidence_code order by event_at desc, source_table asc, source_id desc))[1]
            as last_action_code,
        (array_agg(source_table || ':' || source_id order by event_at desc, source_table asc, source_id desc))[1]
            as last_action_source
    from matched
    where not is_secondary_code
    group by patient_id, judgement_unit
),

results as (
    select
        patient_id,
        judgement_unit,
        max(event_at) as result_at,
        (array_agg(value_numeric order by event_at desc, source_id desc))[1] as result_value,
        (array_agg(value_text order by event_at desc, source_id desc))[1] as result_text
    from matched
    where is_result_code and (value_numeric is not null or value_text is not null)
    group by patient_id, judgement_unit
),

secondary as (
    select
        results.patient_id,
        results.judgement_unit,
        max(matched.value_numeric) as secondary_value
    from results
    inner join matched
        on
            results.patient_id = matched.patient_id
            and results.judgement_unit = matched.judgement_unit
            and results.result_at = matched.event_at
    where matched.is_secondary_code
    group by results.patient_id, results.judgement_unit
),

final as (
    select
        actions.patient_id,
        actions.judgement_unit,
        cast(actions.last_action_at as date) as evidence_date,
        actions.last_action_code,
        actions.last_action_source,
        cast(results.result_at as date) as result_date,
        results.result_value,
        results.result_text,
        secondary.secondary_value
    from actions
    left join results
        on actions.patient_id = results.patient_id and actions.judgement_unit = results.judgement_unit
    left join secondary
        on actions.patient_id = secondary.patient_id and actions.judgement_unit = secondary.judgement_unit
)

select * from final
