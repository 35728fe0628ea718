-- stg_phm_edw__rejects: every phm_edw row the staging layer did not keep, with the rule it broke.
{{ config(materialized='table') }}

with rejected as (
    select
        'address' as source_table,
        cast(address_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__address') }}
    where reject_rule is not null

    union all

    select
        'allergy' as source_table,
        cast(allergy_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__allergy') }}
    where reject_rule is not null

    union all

    select
        'bundle_measure' as source_table,
        cast(bundle_measure_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__bundle_measure') }}
    where reject_rule is not null

    union all

    select
        'bundle_overlap_rule' as source_table,
        cast(overlap_rule_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__bundle_overlap_rule') }}
    where reject_rule is not null

    union all

    select
        'care_gap' as source_table,
        cast(care_gap_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__care_gap') }}
    where reject_rule is not null

    union all

    select
        'code_crosswalk' as source_table,
        cast(crosswalk_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__code_crosswalk') }}
    where reject_rule is not null

    union all

    select
        'condition' as source_table,
        cast(condition_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__condition') }}
    where reject_rule is not null

    union all

    select
        'condition_bundle' as source_table,
        cast(bundle_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__condition_bundle') }}
    where reject_rule is not null

    union all

    select
        'condition_diagnosis' as source_table,
        cast(condition_diagnosis_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__condition_diagnosis') }}
    where reject_rule is not null

    union all

    select
        'encounter' as source_table,
        cast(encounter_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__encounter') }}
    where reject_rule is not null

    union all

    select
        'etl_log' as source_table,
        cast(etl_log_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__etl_log') }}
    where reject_rule is not null

    union all

    select
        'immunization' as source_table,
        cast(immunization_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__immunization') }}
    where reject_rule is not null

    union all

    select
        'measure_definition' as source_table,
        cast(measure_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__measure_definition') }}
    where reject_rule is not null

    union all

    select
        'medication' as source_table,
        cast(medication_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__medication') }}
    where reject_rule is not null

    union all

    select
        'medication_order' as source_table,
        cast(medication_order_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__medication_order') }}
    where reject_rule is not null

    union all

    select
        'observation' as source_table,
        cast(observation_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__observation') }}
    where reject_rule is not null

    union all

    select
        'organization' as source_table,
        cast(org_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__organization') }}
    where reject_rule is not null

    union all

    select
        'patient' as source_table,
        cast(patient_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__patient') }}
    where reject_rule is not null

    union all

    select
        'patient_allergy' as source_table,
        cast(patient_allergy_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__patient_allergy') }}
    where reject_rule is not null

    union all

    select
        'patient_attribution' as source_table,
        cast(attribution_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__patient_attribution') }}
    where reject_rule is not null

    union all

    select
        'patient_insurance_coverage' as source_table,
        cast(coverage_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__patient_insurance_coverage') }}
    where reject_rule is not null

    union all

    select
        'payer' as source_table,
        cast(payer_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__payer') }}
    where reject_rule is not null

    union all

    select
        'procedure' as source_table,
        cast(procedure_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__procedure') }}
    where reject_rule is not null

    union all

    select
        'procedure_performed' as source_table,
        cast(procedure_performed_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__procedure_performed') }}
    where reject_rule is not null

    union all

    select
        'provider' as source_table,
        cast(provider_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__provider') }}
    where reject_rule is not null

    union all

    select
        'sdoh_assessment' as source_table,
        cast(sdoh_assessment_id as text) as source_key,
        reject_rule,
        reject_column,
        reject_value,
        source_updated_at
    from {{ ref('base_phm_edw__sdoh_assessment') }}
    where reject_rule is not null
),

final as (
    select
        source_table,
        source_key,
        reject_rule,
        reject_column,
        left(reject_value, 500) as reject_value,
        source_updated_at,
        {{ run_date() }} as run_date
    from rejected
)

select * from final
