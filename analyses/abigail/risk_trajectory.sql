-- "What is this patient's risk trajectory?" (spec 8.1): every score of every model over time.
-- vars: patient_id (EDW patient id). All of the patient's versions count: the history follows the person.
with patients as (
    select * from {{ published(ref('dim_patient')) }}
    where patient_id = {{ analysis_param('patient_id', kind='int') }}
),

scores as (
    select * from {{ published(ref('fact_ai_risk_score')) }}
),

models as (
    select * from {{ published(ref('dim_risk_model')) }}
),

final as (
    select
        scores.date_key_scored,
        models.model_code,
        scores.score_value,
        scores.score_percentile,
        scores.risk_tier,
        scores.model_version,
        scores.confidence
    from scores
    inner join patients
        on scores.patient_key = patients.patient_key
    inner join models
        on scores.risk_model_key = models.risk_model_key
)

select * from final
order by date_key_scored asc, model_code asc
