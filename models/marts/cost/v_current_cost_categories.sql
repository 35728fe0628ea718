-- v_current_cost_categories: the spec's view, fact_cost_category in the active performance period.
{{ config(materialized='view') }}

with cost_categories as (
    select * from {{ ref('fact_cost_category') }}
),

periods as (
    select * from {{ ref('dim_performance_period') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

final as (
    select
        cost_categories.period_key,
        periods.period_label,
        periods.start_date,
        periods.end_date,
        cost_categories.org_key,
        organizations.organization_name,
        cost_categories.org_level,
        cost_categories.slug,
        cost_categories.category_name,
        cost_categories.display_order,
        cost_categories.spending_pmpm_actual,
        cost_categories.spending_pmpm_benchmark,
        cost_categories.spending_variance_amount,
        cost_categories.spending_variance_percent,
        cost_categories.utilization_actual,
        cost_categories.utilization_benchmark,
        cost_categories.utilization_variance_percent,
        cost_categories.utilization_unit,
        cost_categories.performance_status,
        cost_categories.is_opportunity,
        cost_categories.is_strength,
        cost_categories.aco_rank
    from cost_categories
    inner join periods
        on cost_categories.period_key = periods.period_key
    inner join organizations
        on cost_categories.org_key = organizations.org_key
    where periods.is_active
)

select * from final
