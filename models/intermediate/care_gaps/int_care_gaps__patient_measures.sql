-- int_care_gaps__patient_measures: each qualified patient x bundle expanded into the bundle's measures,
-- with every measure attribute the status engine reads (evidence codes, frequency, targets, domain) and
-- whether a conditional measure applies to the patient (doc block measure_applicability).
with qualified as (
    select * from {{ ref('int_care_gaps__qualified') }}
),

bundle_measures as (
    select * from {{ ref('bundle_measures') }}
),

measures as (
    select * from {{ ref('measures') }}
),

applicability as (
    select * from {{ ref('int_care_gaps__measure_applicability') }}
),

final as (
    select
        qualified.patient_id,
        qualified.bundle_code,
        bundle_measures.measure_code,
        bundle_measures.ordinal as measure_sequence,
        bundle_measures.is_shared_measure,
        qualified.qualifying_date,
        measures.frequency,
        measures.frequency_days,
        measures.dedup_domain,
        measures.has_codified_evidence,
        measures.evidence_loinc_codes,
        measures.evidence_cpt_codes,
        measures.evidence_rxnorm_codes,
        measures.evidence_cvx_codes,
        measures.secondary_loinc_code,
        measures.target_value_low,
        measures.target_value_high,
        measures.secondary_target_value_high,
        measures.target_inclusive,
        measures.accepted_text_results,
        measures.applicability_system,
        coalesce(applicability.is_applicable, measures.applicability_system is null) as is_applicable,
        applicability.applicability_shown_by
    from qualified
    inner join bundle_measures
        on qualified.bundle_code = bundle_measures.bundle_code
    inner join measures
        on bundle_measures.measure_code = measures.measure_code
    left join applicability
        on qualified.patient_id = applicability.patient_id and bundle_measures.measure_code = applicability.measure_code
)

select * from final
