-- bridge_recommendation_cost_category: one row per recommendation x cost category it affects (spec
-- recommendation_cost_categories), with the impact amount in the active period (doc recommendation_rule).
with recommendation_keys as (
    select * from {{ ref('int_keys__recommendation') }}
),

rules as (
    select * from {{ ref('recommendation_rules') }}
),

triggers as (
    select * from {{ ref('recommendation_triggers') }}
),

periods as (
    select * from {{ ref('dim_performance_period') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

cost_categories as (
    select * from {{ ref('fact_cost_category') }}
),

final as (
    select
        recommendation_keys.recommendation_key,
        cast(rules.recommendation_code as varchar(50)) as recommendation_code,
        organizations.org_key,
        periods.period_key,
        cost_categories.slug,
        cost_categories.category_name,
        cost_categories.performance_status,
        coalesce(cost_categories.performance_status = any(string_to_array(triggers.trigger_statuses, '|')), false)
            as is_trigger_met,
        cost_categories.spending_variance_total,
        cast(rules.achievable_share_percent as numeric(5, 2)) as achievable_share_percent,
        cast(
            round(
                greatest(coalesce(cost_categories.spending_variance_total, 0), 0)
                * rules.achievable_share_percent
                / 100,
                2
            )
            as numeric(14, 2)
        ) as impact_amount
    from recommendation_keys
    inner join rules
        on recommendation_keys.recommendation_code = rules.recommendation_code
    inner join triggers
        on
            rules.recommendation_code = triggers.recommendation_code
            and triggers.trigger_kind = 'cost_category'
            and triggers.affects_category
    inner join organizations
        on recommendation_keys.org_id = organizations.org_id
    cross join periods
    left join cost_categories
        on
            periods.period_key = cost_categories.period_key
            and organizations.org_key = cost_categories.org_key
            and triggers.trigger_code = cost_categories.slug
    where periods.is_active
)

select * from final
