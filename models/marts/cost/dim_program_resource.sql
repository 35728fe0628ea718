-- dim_program_resource: one row per program resource of a recommendation rule (spec program_resources).
with resources as (
    select * from {{ ref('program_resources') }}
),

final as (
    select
        cast(recommendation_code as varchar(50)) as recommendation_code,
        cast(display_order as smallint) as display_order,
        cast(resource_type as varchar(50)) as resource_type,
        cast(title as varchar(255)) as title,
        cast(content as text) as content
    from resources
)

select * from final
