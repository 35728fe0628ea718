-- stg_phm_edw__rejects: every phm_edw row the staging layer did not keep, with the rule it broke.
-- One union branch per EDW table, generated from the one list below (every phm_edw table staging
-- reads, EDW migrations 001, 006, 010, 011 and 012, with its primary key). A new EDW table gets its
-- base_/stg_ pair (a declaration read by stage_edw_base) and one entry here.
{{ config(materialized='table') }}

{% set edw_tables = [
    {'table': 'address', 'key': 'address_id'},
    {'table': 'allergy', 'key': 'allergy_id'},
    {'table': 'appointment', 'key': 'appointment_id'},
    {'table': 'billing_claim', 'key': 'claim_id'},
    {'table': 'billing_line_item', 'key': 'line_item_id'},
    {'table': 'bundle_measure', 'key': 'bundle_measure_id'},
    {'table': 'bundle_overlap_rule', 'key': 'overlap_rule_id'},
    {'table': 'care_gap', 'key': 'care_gap_id'},
    {'table': 'clinic_resource', 'key': 'resource_id'},
    {'table': 'code_crosswalk', 'key': 'crosswalk_id'},
    {'table': 'condition', 'key': 'condition_id'},
    {'table': 'condition_bundle', 'key': 'bundle_id'},
    {'table': 'condition_diagnosis', 'key': 'condition_diagnosis_id'},
    {'table': 'drug_interaction_alert', 'key': 'alert_id'},
    {'table': 'e_prescription', 'key': 'erx_id'},
    {'table': 'encounter', 'key': 'encounter_id'},
    {'table': 'encounter_diagnosis_code', 'key': 'code_id'},
    {'table': 'etl_log', 'key': 'etl_log_id'},
    {'table': 'immunization', 'key': 'immunization_id'},
    {'table': 'insurance_eligibility', 'key': 'eligibility_id'},
    {'table': 'measure_definition', 'key': 'measure_id'},
    {'table': 'medication', 'key': 'medication_id'},
    {'table': 'medication_order', 'key': 'medication_order_id'},
    {'table': 'medication_reconciliation', 'key': 'reconciliation_id'},
    {'table': 'observation', 'key': 'observation_id'},
    {'table': 'organization', 'key': 'org_id'},
    {'table': 'patient', 'key': 'patient_id'},
    {'table': 'patient_allergy', 'key': 'patient_allergy_id'},
    {'table': 'patient_attribution', 'key': 'attribution_id'},
    {'table': 'patient_check_in', 'key': 'check_in_id'},
    {'table': 'patient_insurance_coverage', 'key': 'coverage_id'},
    {'table': 'payer', 'key': 'payer_id'},
    {'table': 'payment', 'key': 'payment_id'},
    {'table': 'pharmacy', 'key': 'pharmacy_id'},
    {'table': 'prior_authorization', 'key': 'auth_id'},
    {'table': 'problem_list', 'key': 'problem_id'},
    {'table': 'procedure', 'key': 'procedure_id'},
    {'table': 'procedure_performed', 'key': 'procedure_performed_id'},
    {'table': 'provider', 'key': 'provider_id'},
    {'table': 'provider_incentive', 'key': 'incentive_id'},
    {'table': 'provider_schedule', 'key': 'schedule_id'},
    {'table': 'quality_reporting_period', 'key': 'period_id'},
    {'table': 'quality_score', 'key': 'score_id'},
    {'table': 'refill_request', 'key': 'refill_id'},
    {'table': 'sdoh_assessment', 'key': 'sdoh_assessment_id'},
    {'table': 'telehealth_session', 'key': 'session_id'}
] %}

with rejected as (
    {%- for t in edw_tables %}
        select
            '{{ t.table }}' as source_table,
            cast({{ t.key }} as text) as source_key,
            reject_rule,
            reject_column,
            reject_value,
            source_updated_at
        from {{ ref('base_phm_edw__' ~ t.table) }}
        where reject_rule is not null
        {%- if not loop.last %}

            union all
        {% endif %}
    {%- endfor %}
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
