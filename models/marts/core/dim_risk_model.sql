-- dim_risk_model: one row per AI / risk model (spec 1.5), from the seed risk_models; model_version is the
-- latest version `phm score` trained or used (phm_score.model_version), else the seed's.
with models as (
    select * from {{ ref('risk_models') }}
),

keys as (
    select * from {{ ref('int_keys__risk_model') }}
),

versions as (
    select * from {{ ref('stg_phm_score__model_version') }}
),

latest_versions as (
    select
        model_code,
        model_version,
        row_number() over (
            partition by model_code
            order by trained_on desc, trained_at desc, model_version desc
        ) as recency
    from versions
),

final as (
    select
        keys.risk_model_key,
        cast(models.model_code as varchar(50)) as model_code,
        cast(models.model_name as varchar(200)) as model_name,
        cast(coalesce(latest_versions.model_version, models.model_version) as varchar(20)) as model_version,
        cast(models.model_type as varchar(50)) as model_type,
        models.description,
        models.is_active,
        models.effective_start,
        models.effective_end,
        cast(keys.first_seen_at as timestamp) as created_at
    from models
    inner join keys
        on models.model_code = keys.model_code
    left join latest_versions
        on models.model_code = latest_versions.model_code and latest_versions.recency = 1
)

select * from final
