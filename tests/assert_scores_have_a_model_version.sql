-- Every scoring run in phm_score names a model version recorded for its model. One row per run that does not.
with scores as (
    select distinct
        model_code,
        model_version,
        scoring_date
    from {{ ref('stg_phm_score__risk_score_run') }}
),

versions as (
    select * from {{ ref('stg_phm_score__model_version') }}
)

select scores.*
from scores
where not exists (
        select 1
        from versions
        where versions.model_code = scores.model_code and versions.model_version = scores.model_version
    )
