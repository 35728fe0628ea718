-- fact_ai_risk_score: one row per patient x risk model x scoring date (spec 2.5), the history of every
-- scoring run `phm score` landed in phm_score. Incremental: a run (model x scoring date) not loaded yet,
-- or written again since it was loaded, replaces that run's rows whole (delete+insert); other runs stay.
-- A patient without a current dim_patient version (hard-deleted from the EDW) loses every score row, as a
-- full refresh would (its `patients` import keeps current versions only).
{{ config(
    materialized='incremental',
    unique_key=['risk_model_key', 'date_key_scored'],
    incremental_strategy='delete+insert',
    on_schema_change='append_new_columns',
    pre_hook="{{ warn_about_risk_scoring_runs() }}",
    post_hook=[
        "{{ drop_scores_of_removed_patients() }}",
        "{{ spec_index('idx_risk_score_patient', 'patient_key') }}",
        "{{ spec_index('idx_risk_score_model_date', 'risk_model_key, date_key_scored') }}"
    ]
) }}

with scores as (
    select * from {{ ref('stg_phm_score__risk_score_run') }}
),

risk_models as (
    select * from {{ ref('dim_risk_model') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

tiers as (
    select * from {{ ref('risk_tiers') }}
),

runs as (
    select
        scores.model_code,
        scores.scoring_date,
        risk_models.risk_model_key,
        {{ date_key('scores.scoring_date') }} as date_key_scored,
        max(scores.scored_at) as scored_at
    from scores
    inner join risk_models
        on scores.model_code = risk_models.model_code
    group by scores.model_code, scores.scoring_date, risk_models.risk_model_key
),

runs_to_load as (
    select runs.*
    from runs
    {%- if is_incremental() %}
        where not exists (
                select 1
                from {{ this }} as loaded
                where
                    loaded.risk_model_key = runs.risk_model_key
                    and loaded.date_key_scored = runs.date_key_scored
                    and loaded.scored_at >= runs.scored_at
            )
    {%- endif %}
),

run_scores as (
    select
        runs_to_load.risk_model_key,
        runs_to_load.date_key_scored,
        patients.patient_key,
        scores.*
    from scores
    inner join runs_to_load
        on scores.model_code = runs_to_load.model_code and scores.scoring_date = runs_to_load.scoring_date
    inner join patients
        on scores.patient_id = patients.patient_id
),

ranked as (
    select
        run_scores.*,
        cast(
            round(
                cast(
                    100 * percent_rank() over (
                        partition by run_scores.risk_model_key, run_scores.date_key_scored
                        order by run_scores.score_value
                    ) as numeric
                ),
                2
            ) as numeric(5, 2)
        ) as score_percentile
    from run_scores
),

final as (
    select
        cast(
            (cast(ranked.date_key_scored as bigint) * 100 + ranked.risk_model_key) * 100000000 + ranked.patient_id
            as bigint
        ) as risk_score_key,
        ranked.patient_key,
        ranked.risk_model_key,
        ranked.date_key_scored,
        cast(ranked.score_value as numeric(10, 4)) as score_value,
        ranked.score_percentile,
        cast(tiers.risk_tier as varchar(20)) as risk_tier,
        ranked.contributing_factors,
        cast(ranked.model_version as varchar(20)) as model_version,
        cast(ranked.confidence as numeric(5, 4)) as confidence,
        ranked.scored_at
    from ranked
    left join tiers
        on
            ranked.model_code = tiers.model_code
            and case tiers.basis when 'score' then ranked.score_value else ranked.score_percentile end
            >= tiers.min_value
            and case tiers.basis when 'score' then ranked.score_value else ranked.score_percentile end
            < tiers.max_value
)

select * from final
