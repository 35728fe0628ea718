-- The dashboard indexes of spec part 5 exist on the tables this project has built. One row per missing
-- index. Partial indexes are created in post-hooks (the `indexes` config has no WHERE).
-- depends_on: {{ ref('fact_patient_bundle') }}
-- depends_on: {{ ref('fact_patient_bundle_detail') }}
-- depends_on: {{ ref('fact_care_gap') }}
-- depends_on: {{ ref('fact_encounter') }}
-- depends_on: {{ ref('fact_diagnosis') }}
-- depends_on: {{ ref('fact_observation') }}
-- depends_on: {{ ref('fact_medication_order') }}
-- depends_on: {{ ref('fact_patient_composite') }}
-- depends_on: {{ ref('fact_provider_quality') }}
-- depends_on: {{ ref('fact_population_snapshot') }}
-- depends_on: {{ ref('fact_ai_risk_score') }}
with expected (table_name, index_columns, predicate) as (
    values
    ('fact_patient_bundle', 'patient_key', 'is_active'),
    ('fact_patient_bundle', 'bundle_key', 'is_active'),
    ('fact_patient_bundle', 'compliance_pct', null),
    ('fact_patient_bundle', 'provider_key', null),
    ('fact_patient_bundle', 'patient_key, bundle_key', 'is_active'),
    ('fact_patient_bundle_detail', 'patient_key', null),
    ('fact_patient_bundle_detail', 'gap_status', null),
    ('fact_patient_bundle_detail', 'is_overdue', 'is_overdue'),
    ('fact_care_gap', 'gap_status', null),
    ('fact_care_gap', 'patient_key, measure_key', null),
    ('fact_care_gap', 'bundle_key', null),
    ('fact_encounter', 'date_key_encounter', null),
    ('fact_encounter', 'patient_key', null),
    ('fact_diagnosis', 'patient_key', null),
    ('fact_diagnosis', 'condition_key', null),
    ('fact_observation', 'patient_key, observation_code', null),
    ('fact_observation', 'date_key_obs', null),
    ('fact_medication_order', 'patient_key', null),
    ('fact_patient_composite', 'provider_key', null),
    ('fact_patient_composite', 'org_key', null),
    ('fact_patient_composite', 'risk_tier, abigail_priority_score DESC', null),
    ('fact_patient_composite', 'overall_compliance_pct', null),
    ('fact_patient_composite', 'active_bundle_count', null),
    (
        'fact_patient_composite',
        'has_diabetes, has_hypertension, has_cad, has_heart_failure, has_copd, has_ckd, has_depression',
        null
    ),
    ('fact_provider_quality', 'provider_key, date_key_period', null),
    ('fact_provider_quality', 'bundle_key, date_key_period', null),
    ('fact_population_snapshot', 'org_key, date_key_snapshot', null),
    ('fact_population_snapshot', 'bundle_key, date_key_snapshot', null),
    ('fact_ai_risk_score', 'patient_key', null),
    ('fact_ai_risk_score', 'risk_model_key, date_key_scored', null)
),

actual as (
    select
        tablename as table_name,
        indexdef
    from pg_indexes
    where schemaname = '{{ ref('fact_patient_bundle').schema }}'
)

select expected.*
from expected
where not exists (
        select 1
        from actual
        where
            actual.table_name = expected.table_name
            and actual.indexdef like '%USING btree (' || expected.index_columns || ')%'
            and (
                (expected.predicate is null and actual.indexdef not like '% WHERE %')
                or actual.indexdef like '% WHERE ' || expected.predicate
                or actual.indexdef like '% WHERE (' || expected.predicate || ')'
            )
    )
