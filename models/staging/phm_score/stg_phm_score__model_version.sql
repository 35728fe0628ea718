-- stg_phm_score__model_version: one row per risk model version written by `phm score`.
with source as (
    select * from {{ source('phm_score', 'model_version') }}
),

renamed as (
    select
        model_code,
        model_version,
        trained_on,
        cast(trained_at as timestamp) as trained_at,
        algorithm,
        training_rows,
        training_positives,
        training_cutoffs,
        validation_cutoff,
        validation_rows,
        validation_positives,
        validation_auroc,
        validation_brier,
        calibration_in_the_large,
        parameters
    from source
)

select * from renamed
