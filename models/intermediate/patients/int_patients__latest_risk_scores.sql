-- int_patients__latest_risk_scores: one row per patient with the latest score of each risk model,
-- pivoted for fact_patient_composite. Empty until a scoring run has been loaded (phm score).
-- A score keeps the key of the patient version current when it was loaded, so scores are gathered
-- per patient across every version, through the durable patient_id.
with scores as (
    select * from {{ ref('fact_ai_risk_score') }}
),

models as (
    select * from {{ ref('dim_risk_model') }}
),

patient_versions as (
    select * from {{ ref('dim_patient') }}
),

latest as (
    select distinct on (patient_versions.patient_id, models.model_code)
        patient_versions.patient_id,
        models.model_code,
        scores.score_value,
        scores.risk_tier
    from scores
    inner join models
        on scores.risk_model_key = models.risk_model_key
    inner join patient_versions
        on scores.patient_key = patient_versions.patient_key
    order by patient_versions.patient_id asc, models.model_code asc, scores.date_key_scored desc
),

final as (
    select
        patient_id,
        cast(max(score_value) filter (where model_code = 'HCC_V28') as numeric(6, 3)) as hcc_risk_score,
        cast(max(score_value) filter (where model_code = 'READMIT_30D') as numeric(5, 4)) as readmission_risk,
        cast(max(score_value) filter (where model_code = 'ED_RISK') as numeric(5, 4)) as ed_utilization_risk,
        cast(max(score_value) filter (where model_code = 'ABIGAIL_COMPOSITE') as numeric(5, 2))
            as abigail_priority_score,
        cast(max(risk_tier) filter (where model_code = 'ABIGAIL_COMPOSITE') as varchar(20)) as abigail_risk_tier
    from latest
    group by patient_id
)

select * from final
