-- int_care_gaps__units: one row per patient x judgement unit (a dedup domain, or a measure on its own).
-- The owner is the patient's first bundle in the unit by bundle_code; the unit is judged against the
-- strictest target of its measures and the shortest frequency window (doc block dedup_rule). Only the
-- measures that apply to the patient form units (doc block measure_applicability).
with patient_measures as (
    select * from {{ ref('int_care_gaps__patient_measures') }}
),

domains as (
    select * from {{ ref('dedup_domains') }}
),

-- a unit is codified when any code evidences it: the measure's own evidence columns, its rows in
-- measure_evidence_codes, or (for a dedup domain) any measure of the domain
codified_units as (
    select distinct judgement_unit
    from {{ ref('int_care_gaps__unit_codes') }}
),

with_unit as (
    select
        patient_measures.*,
        {{ judgement_unit('patient_measures.dedup_domain', 'patient_measures.measure_code') }} as judgement_unit,
        coalesce(domains.strictness_rule, 'own_target') as strictness_rule
    from patient_measures
    left join domains
        on patient_measures.dedup_domain = domains.dedup_domain
    where patient_measures.is_applicable
),

units as (
    select
        patient_id,
        judgement_unit,
        max(dedup_domain) as dedup_domain,
        min(bundle_code) as owner_bundle_code,
        count(*) as bundles_in_unit,
        min(qualifying_date) as qualifying_date,
        min(frequency_days) as unit_frequency_days,
        case when max(strictness_rule) = 'none' then null else min(target_value_high) end as unit_target_high,
        case when max(strictness_rule) = 'none' then null else max(target_value_low) end as unit_target_low,
        case when max(strictness_rule) = 'none' then null else min(secondary_target_value_high) end
            as unit_secondary_target_high,
        bool_and(target_inclusive) as unit_target_inclusive,
        -- text results count only when every measure of the unit accepts them (the stricter reading)
        case
            when max(strictness_rule) <> 'none' and bool_and(accepted_text_results is not null)
                then min(accepted_text_results)
        end as unit_accepted_text_results
    from with_unit
    group by patient_id, judgement_unit
),

final as (
    select
        units.*,
        with_unit.measure_code as owner_measure_code,
        codified_units.judgement_unit is not null as owner_has_codified_evidence
    from units
    inner join with_unit
        on
            units.patient_id = with_unit.patient_id
            and units.judgement_unit = with_unit.judgement_unit
            and units.owner_bundle_code = with_unit.bundle_code
    left join codified_units
        on units.judgement_unit = codified_units.judgement_unit
)

select * from final
