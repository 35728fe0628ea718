-- int_care_gaps__measure_status: one row per patient x bundle x measure with its gap status, last
-- action, overdue flag and cross-bundle de-duplication. Each judgement unit (dedup domain, or measure
-- alone) is judged once, for its owner bundle, then every bundle's row in the unit takes that verdict.
-- Rules: doc blocks gap_status_precedence and dedup_rule (_care_gaps__docs.md).
with patient_measures as (
    select * from {{ ref('int_care_gaps__patient_measures') }}
),

units as (
    select * from {{ ref('int_care_gaps__units') }}
),

unit_evidence as (
    select * from {{ ref('int_care_gaps__unit_evidence') }}
),

edw_gaps as (
    select * from {{ ref('int_care_gaps__edw_gaps') }}
),

measures as (
    select * from {{ ref('measures') }}
),

events as (
    select * from {{ ref('int_care_gaps__evidence_events') }}
),

last_visits as (
    select
        patient_id,
        max(cast(event_at as date)) as last_visit_date
    from events
    where evidence_system = 'VISIT'
    group by patient_id
),

-- The EDW's own verdicts per patient x judgement unit: the owner measure's latest row (its exclusion and
-- due date), and the latest closure of any of the unit's measures, dated by its resolution (or, without
-- one, its identification): a closure of any measure in a dedup domain satisfies the domain.
edw_unit_closures as (
    select
        edw_gaps.patient_id,
        {{ judgement_unit('measures.dedup_domain', 'measures.measure_code') }} as judgement_unit,
        max(cast(coalesce(edw_gaps.resolved_date, edw_gaps.identified_date) as date)) as edw_closed_date
    from edw_gaps
    inner join measures
        on edw_gaps.measure_code = measures.measure_code
    where edw_gaps.gap_status = 'Closed'
    group by edw_gaps.patient_id, {{ judgement_unit('measures.dedup_domain', 'measures.measure_code') }}
),

assembled as (
    select
        units.*,
        unit_evidence.evidence_date,
        unit_evidence.last_action_code,
        unit_evidence.last_action_source,
        unit_evidence.result_date,
        unit_evidence.result_value,
        unit_evidence.result_text,
        unit_evidence.secondary_value,
        last_visits.last_visit_date,
        edw_gaps.care_gap_id as edw_care_gap_id,
        edw_gaps.gap_status as edw_gap_status,
        edw_unit_closures.edw_closed_date,
        edw_gaps.due_date as edw_due_date,
        units.unit_target_high is not null
        or units.unit_target_low is not null
        or units.unit_accepted_text_results is not null as has_target
    from units
    left join unit_evidence
        on units.patient_id = unit_evidence.patient_id and units.judgement_unit = unit_evidence.judgement_unit
    left join last_visits
        on units.patient_id = last_visits.patient_id
    left join edw_gaps
        on units.patient_id = edw_gaps.patient_id and units.owner_measure_code = edw_gaps.measure_code
    left join edw_unit_closures
        on units.patient_id = edw_unit_closures.patient_id and units.judgement_unit = edw_unit_closures.judgement_unit
),

timed as (
    select
        assembled.*,
        {{ within_window('evidence_date') }} as evidence_in_window,
        {{ within_window('result_date') }} as result_in_window,
        {{ within_window('edw_closed_date') }} as edw_closure_in_window,
        coalesce(
            assembled.result_text = any(string_to_array(assembled.unit_accepted_text_results, '|'))
            or assembled.result_value is not null
            and (assembled.unit_target_high is not null or assembled.unit_target_low is not null)
            and (
                assembled.unit_target_high is null
                or assembled.result_value < assembled.unit_target_high
                or (assembled.unit_target_inclusive and assembled.result_value = assembled.unit_target_high)
            )
            and (
                assembled.unit_target_low is null
                or assembled.result_value > assembled.unit_target_low
                or (assembled.unit_target_inclusive and assembled.result_value = assembled.unit_target_low)
            )
            and (
                assembled.unit_secondary_target_high is null
                or assembled.secondary_value < assembled.unit_secondary_target_high
                or (
                    assembled.unit_target_inclusive
                    and assembled.secondary_value = assembled.unit_secondary_target_high
                )
            ),
            false
        ) as target_met
    from assembled
),

judged as (
    select
        timed.*,
        case
            when timed.edw_gap_status = 'Excluded' then 'Excluded'
            when not timed.owner_has_codified_evidence and timed.edw_closure_in_window then 'Closed'
            when not timed.owner_has_codified_evidence then 'Open'
            when timed.evidence_in_window and (not timed.has_target or (timed.result_in_window and timed.target_met))
                then 'Closed'
            else 'Open'
        end as gap_status,
        case
            when timed.edw_gap_status = 'Excluded' then 'edw_excluded'
            when not timed.owner_has_codified_evidence and timed.edw_closure_in_window then 'edw_closed'
            when not timed.owner_has_codified_evidence and timed.edw_closed_date is not null then 'edw_closure_expired'
            when not timed.owner_has_codified_evidence and timed.edw_gap_status is not null then 'edw_open'
            when not timed.owner_has_codified_evidence then 'no_codified_evidence_no_edw_gap'
            when timed.evidence_date is null then 'no_evidence'
            when not timed.evidence_in_window then 'evidence_too_old'
            when timed.has_target and not timed.result_in_window then 'no_recent_result'
            when timed.has_target and not timed.target_met then 'target_not_met'
            else 'evidence_met'
        end as status_reason,
        case
            when timed.owner_has_codified_evidence then timed.evidence_date
            else timed.edw_closed_date
        end as last_action_date
    from timed
),

-- The one definition of "overdue" (doc block overdue_rule): the date the next action is due, and the
-- measure is overdue once that date has passed.
due as (
    select
        judged.*,
        case
            when judged.gap_status = 'Excluded' then null
            when judged.last_action_date is null
                then coalesce(judged.edw_due_date, judged.qualifying_date + coalesce(judged.unit_frequency_days, 0))
            when judged.unit_frequency_days is null then null
            when judged.unit_frequency_days = 0
                then case when judged.last_action_date < judged.last_visit_date then judged.last_visit_date end
            else judged.last_action_date + judged.unit_frequency_days
        end as due_date
    from judged
),

verdicts as (
    select
        due.*,
        {{ run_date() }} - due.last_action_date as days_since_last_action,
        coalesce(due.due_date < {{ run_date() }}, false) as is_overdue,
        case
            when due.due_date < {{ run_date() }} then {{ run_date() }} - due.due_date
            when due.gap_status <> 'Excluded' then 0
        end as days_overdue
    from due
),

-- A conditional measure that does not apply to the patient is not due: Excluded, with the reason
-- not_applicable, outside every unit (doc block measure_applicability).
final as (
    select
        patient_measures.patient_id,
        patient_measures.bundle_code,
        patient_measures.measure_code,
        patient_measures.measure_sequence,
        patient_measures.dedup_domain,
        patient_measures.is_shared_measure,
        patient_measures.qualifying_date,
        case when patient_measures.is_applicable then verdicts.gap_status else 'Excluded' end as gap_status,
        case when patient_measures.is_applicable then verdicts.status_reason else 'not_applicable' end
            as status_reason,
        verdicts.last_action_date,
        verdicts.days_since_last_action,
        coalesce(patient_measures.is_applicable and verdicts.is_overdue, false) as is_overdue,
        case when patient_measures.is_applicable then verdicts.due_date end as due_date,
        case when patient_measures.is_applicable then verdicts.days_overdue end as days_overdue,
        coalesce(patient_measures.is_applicable and patient_measures.bundle_code <> verdicts.owner_bundle_code, false)
            as dedup_applied,
        case
            when patient_measures.is_applicable and patient_measures.bundle_code <> verdicts.owner_bundle_code
                then verdicts.owner_bundle_code
        end as dedup_source_bundle_code,
        verdicts.owner_bundle_code,
        verdicts.owner_measure_code,
        verdicts.unit_frequency_days as applied_frequency_days,
        verdicts.unit_target_low as applied_target_low,
        verdicts.unit_target_high as applied_target_high,
        verdicts.unit_secondary_target_high as applied_secondary_target_high,
        verdicts.result_value as last_result_value,
        verdicts.result_text as last_result_text,
        verdicts.secondary_value as last_secondary_value,
        verdicts.result_date as last_result_date,
        verdicts.last_action_source,
        verdicts.last_action_code,
        verdicts.edw_care_gap_id,
        patient_measures.is_applicable,
        patient_measures.applicability_shown_by
    from patient_measures
    left join verdicts
        on
            patient_measures.patient_id = verdicts.patient_id
            and {{ judgement_unit('patient_measures.dedup_domain', 'patient_measures.measure_code') }}
            = verdicts.judgement_unit
            and patient_measures.is_applicable
)

select * from final
