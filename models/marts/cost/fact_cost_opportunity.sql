-- fact_cost_opportunity: one row per performance period x organization x cost category (spec cost_opportunities):
-- overspending, efficient or neutral, the dollar variance and whether the dashboard shows it.
with cost_categories as (
    select * from {{ ref('fact_cost_category') }}
),

thresholds as (
    select * from {{ ref('performance_status_thresholds') }}
),

typed as (
    select
        cost_categories.period_key,
        cost_categories.org_key,
        cost_categories.org_level,
        cost_categories.slug,
        cost_categories.category_name,
        cost_categories.performance_status,
        thresholds.opportunity_type,
        thresholds.dashboard_top_n,
        cost_categories.spending_variance_total as amount_variance,
        cost_categories.spending_variance_percent,
        cost_categories.aco_rank,
        cost_categories.spending_total > 0 or cost_categories.utilization_count > 0 as has_activity
    from cost_categories
    left join thresholds
        on
            thresholds.scale = 'cost_category'
            and cost_categories.performance_status = thresholds.status
),

ranked as (
    select
        typed.*,
        case
            when typed.has_activity
                then row_number() over (
                        partition by typed.period_key, typed.org_key, typed.opportunity_type, typed.has_activity
                        order by abs(typed.amount_variance) desc, typed.slug asc
                    )
        end as opportunity_rank
    from typed
),

final as (
    select
        cast(period_key as varchar(50)) as period_key,
        org_key,
        cast(org_level as varchar(20)) as org_level,
        cast(slug as varchar(50)) as slug,
        cast(category_name as varchar(255)) as category_name,
        cast(performance_status as varchar(20)) as performance_status,
        cast(opportunity_type as varchar(50)) as opportunity_type,
        cast(amount_variance as numeric(16, 2)) as amount_variance,
        cast(spending_variance_percent as numeric(9, 2)) as spending_variance_percent,
        cast(aco_rank as integer) as aco_rank,
        has_activity,
        cast(opportunity_rank as integer) as opportunity_rank,
        coalesce(opportunity_rank <= dashboard_top_n, false) as show_on_dashboard
    from ranked
)

select * from final
