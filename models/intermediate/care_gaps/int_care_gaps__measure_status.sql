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

assembled as (
    select
        units.*,
        unit_evidence.evidence_date,
        unit_evidence.last_action_code,
        unit_evidence.last_action_source,
        unit_evidence.result_date,
        unit_evidence.result_value,
        unit_evidence.secondary_value,
        last_visits.last_visit_date,
        edw_gaps.care_gap_id as edw_care_gap_id,
        edw_gaps.gap_status as edw_gap_status,
        cast(edw_gaps.resolved_date as date) as edw_resolved_date,
        edw_gaps.due_date as edw_due_date,
        units.unit_target_high is not null or units.unit_target_low is not null as has_target
    from units
    left join unit_evidence
        on units.patient_id = unit_evidence.patient_id and units.judgement_unit = unit_evidence.judgement_unit
    left join last_visits
        on units.patient_id = last_visits.patient_id
    left join edw_gaps
        on units.patient_id = edw_gaps.patient_id and units.owner_measure_code = edw_gaps.measure_code
),

timed as (
    select
        assembled.*,
        {{ within_window('evidence_date') }} as evidence_in_window,
        {{ within_window('result_date') }} as result_in_window,
        coalesce(
            assembled.result_value is not null
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
            when not timed.owner_has_codified_evidence then coalesce(timed.edw_gap_status, 'Open')
            when timed.evidence_in_window and (not timed.has_target or (timed.result_in_window and timed.target_met))
                then 'Closed'
            else 'Open'
        end as gap_status,
        case
            when timed.edw_gap_status = 'Excluded' then 'edw_excluded'
            when not timed.owner_has_codified_evidence and timed.edw_gap_status is not null then 'edw_status'
            when not timed.owner_has_codified_evidence then 'no_codified_evidence_no_edw_gap'
            when timed.evidence_date is null then 'no_evidence'
            when not timed.evidence_in_window then 'evidence_too_old'
            when timed.has_target and not timed.result_in_window then 'no_recent_result'
            when timed.has_target and not timed.target_met then 'target_not_met'
            else 'evidence_met'
        end as status_reason,
        case
            when timed.owner_has_codified_evidence then timed.evidence_date
            else timed.edw_resolved_date
        end as last_action_date
    from timed
),

verdicts as (
    select
        judged.*,
        {{ run_date() }} - judged.last_action_date as days_since_last_action,
        case
            when judged.gap_status = 'Excluded' then false
            when not judged.owner_has_codified_evidence
                then judged.gap_status = 'Open' and coalesce(judged.edw_due_date < {{ run_date() }}, true)
            else not judged.evidence_in_window
        end as is_overdue
    from judged
),

final as (
    select
        patient_measures.patient_id,
        patient_measures.bundle_code,
        patient_measures.measure_code,
        patient_measures.measure_sequence,
        patient_measures.dedup_domain,
        patient_measures.is_shared_measure,
        patient_measures.qualifying_date,
        verdicts.gap_status,
        verdicts.status_reason,
        verdicts.last_action_date,
        verdicts.days_since_last_action,
        verdicts.is_overdue,
        patient_measures.bundle_code <> verdicts.owner_bundle_code as dedup_applied,
        case
            when patient_measures.bundle_code <> verdicts.owner_bundle_code then verdicts.owner_bundle_code
        end as dedup_source_bundle_code,
        verdicts.owner_bundle_code,
        verdicts.owner_measure_code,
        verdicts.unit_frequency_days as applied_frequency_days,
        verdicts.unit_target_low as applied_target_low,
        verdicts.unit_target_high as applied_target_high,
        verdicts.unit_secondary_target_high as applied_secondary_target_high,
        verdicts.result_value as last_result_value,
        verdicts.secondary_value as last_secondary_value,
        verdicts.result_date as last_result_date,
        verdicts.last_action_source,
        verdicts.last_action_code,
        verdicts.edw_care_gap_id
    from patient_measures
    inner join verdicts
        on
            patient_measures.patient_id = verdicts.patient_id
            and {{ judgement_unit('patient_measures.dedup_domain', 'patient_measures.measure_code') }}
            = verdicts.judgement_unit
)

select * from final
