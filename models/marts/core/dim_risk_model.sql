-- dim_risk_model: one row per AI / risk model (spec 1.5), from the seed risk_models.
with models as (
    select * from {{ ref('risk_models') }}
),

keys as (
    select * from {{ ref('int_keys__risk_model') }}
),

final as (
    select
        keys.risk_model_key,
        cast(models.model_code as varchar(50)) as model_code,
        cast(models.model_name as varchar(200)) as model_name,
        cast(models.model_version as varchar(20)) as model_version,
        cast(models.model_type as varchar(50)) as model_type,
        models.description,
        models.is_active,
        models.effective_start,
        models.effective_end,
        cast(keys.first_seen_at as timestamp) as created_at
    from models
    inner join keys
        on models.model_code = keys.model_code
)

select * from final
