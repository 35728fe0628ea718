-- v_recommendations_with_categories: the spec's view, each recommendation with its affected cost categories
-- as a JSON array.
{{ config(materialized='view') }}

with recommendations as (
    select * from {{ ref('dim_recommendation') }}
),

bridge as (
    select * from {{ ref('bridge_recommendation_cost_category') }}
),

categories as (
    select
        recommendation_key,
        jsonb_agg(
            jsonb_build_object(
                'slug', slug,
                'category_name', category_name,
                'performance_status', performance_status,
                'impact_amount', impact_amount
            )
            order by impact_amount desc, slug asc
        ) as cost_categories
    from bridge
    group by recommendation_key
),

final as (
    select
        recommendations.recommendation_key,
        recommendations.recommendation_code,
        recommendations.org_key,
        recommendations.period_key,
        recommendations.title,
        recommendations.description,
        recommendations.status,
        recommendations.priority,
        recommendations.is_triggered,
        recommendations.estimated_savings,
        recommendations.affected_lives,
        recommendations.patient_cohort,
        recommendations.cohort_size,
        recommendations.has_program_details,
        recommendations.can_convert_to_workflow,
        recommendations.workflow_type,
        coalesce(categories.cost_categories, cast('[]' as jsonb)) as cost_categories
    from recommendations
    left join categories
        on recommendations.recommendation_key = categories.recommendation_key
)

select * from final
