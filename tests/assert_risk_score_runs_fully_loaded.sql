-- Every landed scoring run is in fact_ai_risk_score with exactly its rows, for patients with a current
-- dim_patient version. One row per model and scoring date whose counts differ.
with landed as (
    select
        scores.model_code,
        scores.scoring_date,
        count(*) as landed_rows
    from {{ ref('stg_phm_score__risk_score_run') }} as scores
    inner join {{ ref('dim_patient') }} as patients
        on scores.patient_id = patients.patient_id and patients.is_current
    group by scores.model_code, scores.scoring_date
),

loaded as (
    select
        risk_models.model_code,
        facts.date_key_scored,
        count(*) as loaded_rows
    from {{ ref('fact_ai_risk_score') }} as facts
    inner join {{ ref('dim_risk_model') }} as risk_models
        on facts.risk_model_key = risk_models.risk_model_key
    group by risk_models.model_code, facts.date_key_scored
)

select
    landed.model_code,
    landed.scoring_date,
    landed.landed_rows,
    loaded.loaded_rows
from landed
left join loaded
    on landed.model_code = loaded.model_code and {{ date_key('landed.scoring_date') }} = loaded.date_key_scored
where loaded.loaded_rows is distinct from landed.landed_rows
