-- v_recommendations_with_categories: the spec's view, each recommendation with its affected cost categories
-- as a JSON array, and the live status (the latest change in phm_app, read at query time).
{{ config(materialized='view') }}

with recommendations as (
    select * from {{ ref('dim_recommendation') }}
),

bridge as (
    select * from {{ ref('bridge_recommendation_cost_category') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

status_history as (
    select * from {{ ref('stg_phm_app__recommendation_status_history') }}
),

latest_status as (
    select distinct on (recommendation_code, org_id)
        recommendation_code,
        org_id,
        status
    from status_history
    order by recommendation_code asc, org_id asc, set_at desc, status_change_id desc
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
        cast(coalesce(latest_status.status, 'not_started') as varchar(50)) as status,
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
    inner join organizations
        on recommendations.org_key = organizations.org_key
    left join latest_status
        on
            recommendations.recommendation_code = latest_status.recommendation_code
            and organizations.org_id = latest_status.org_id
    left join categories
        on recommendations.recommendation_key = categories.recommendation_key
)

select * from final
