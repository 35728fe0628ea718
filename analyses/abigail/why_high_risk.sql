-- "Why is this patient high risk?" (spec 8.3): the factors behind the latest Abigail composite score,
-- one row per factor, heaviest first. vars: patient_id (EDW patient id).
with patients as (
    select * from {{ published(ref('dim_patient')) }}
    where patient_id = {{ analysis_param('patient_id', kind='int') }}
),

scores as (
    select * from {{ published(ref('fact_ai_risk_score')) }}
),

models as (
    select * from {{ published(ref('dim_risk_model')) }}
    where model_code = 'ABIGAIL_COMPOSITE'
),

latest as (
    select
        scores.date_key_scored,
        scores.score_value,
        scores.risk_tier,
        scores.contributing_factors
    from scores
    inner join patients
        on scores.patient_key = patients.patient_key
    inner join models
        on scores.risk_model_key = models.risk_model_key
    order by scores.date_key_scored desc
    limit 1
),

final as (
    select
        latest.date_key_scored,
        latest.score_value as abigail_priority_score,
        latest.risk_tier,
        factors.item ->> 'factor' as factor,
        factors.item ->> 'label' as label,
        cast(factors.item ->> 'weight' as numeric) as weight
    from latest
    cross join lateral jsonb_array_elements(latest.contributing_factors) as factors (item)
)

select * from final
order by weight desc, factor asc
