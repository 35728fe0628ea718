-- int_patients__latest_risk_scores: one row per patient with the latest score of each risk model,
-- pivoted for fact_patient_composite. Empty until the AI risk scores are loaded (phm score).
with final as (
    select
        cast(null as integer) as patient_key,
        cast(null as numeric(6, 3)) as hcc_risk_score,
        cast(null as numeric(5, 4)) as readmission_risk,
        cast(null as numeric(5, 4)) as ed_utilization_risk,
        cast(null as numeric(5, 2)) as abigail_priority_score,
        cast(null as varchar(20)) as abigail_risk_tier
    where false
)

select * from final
