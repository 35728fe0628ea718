-- stg_phm_app__recommendation_status_history: one row per status change set through `phm recommendation status`.
with source as (
    select * from {{ source('phm_app', 'recommendation_status_history') }}
),

renamed as (
    select
        status_change_id,
        recommendation_code,
        org_id,
        status,
        note,
        set_by,
        cast(set_at as timestamp) as set_at
    from source
)

select * from renamed
