-- stg_phm_score__risk_score_run: one row per model x scoring date x patient written by `phm score`.
with source as (
    select * from {{ source('phm_score', 'risk_score_run') }}
),

renamed as (
    select
        model_code,
        scoring_date,
        patient_id,
        score_value,
        contributing_factors,
        model_version,
        confidence,
        cast(scored_at as timestamp) as scored_at
    from source
)

select * from renamed
