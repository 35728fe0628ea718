-- fact_performance_metric: one row per performance period x organization x top metric (spec performance_metrics),
-- current against the comparison period, with the change direction and the benchmark.
with measures as (
    select * from {{ ref('int_cost__period_measures') }}
),

metrics as (
    select * from {{ ref('performance_metrics') }}
),

periods as (
    select * from {{ ref('dim_performance_period') }}
),

cost_categories as (
    select * from {{ ref('fact_cost_category') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

valued as (
    select
        numerators.period_key,
        numerators.org_level,
        numerators.org_id,
        metrics.metric_type,
        numerators.measure_value / nullif(coalesce(denominators.measure_value, 1), 0) * metrics.multiplier
            as metric_value
    from metrics
    inner join measures as numerators
        on metrics.numerator_measure = numerators.measure_name
    left join measures as denominators
        on
            metrics.denominator_measure = denominators.measure_name
            and numerators.period_key = denominators.period_key
            and numerators.org_level = denominators.org_level
            and numerators.org_id = denominators.org_id
),

benchmarks as (
    select
        cost_categories.period_key,
        cost_categories.org_key,
        metrics.metric_type,
        case metrics.benchmark_basis
            when 'all_categories_pmpm' then sum(cost_categories.spending_pmpm_benchmark)
            when 'category_utilization'
                then max(cost_categories.utilization_benchmark) filter (
                        where cost_categories.slug = metrics.benchmark_category_slug
                    )
        end as benchmark_value
    from metrics
    cross join cost_categories
    where metrics.benchmark_basis != 'none'
    group by cost_categories.period_key, cost_categories.org_key, metrics.metric_type, metrics.benchmark_basis
),

compared as (
    select
        periods.period_key,
        periods.comparison_period_key,
        organizations.org_key,
        current_values.org_level,
        current_values.metric_type,
        metrics.metric_label,
        metrics.display_order,
        metrics.flat_band_percent,
        round(current_values.metric_value, 2) as current_value,
        round(previous_values.metric_value, 2) as previous_value,
        round(
            (current_values.metric_value - previous_values.metric_value)
            / nullif(previous_values.metric_value, 0) * 100,
            2
        ) as change_percent,
        benchmarks.benchmark_value
    from valued as current_values
    inner join periods
        on current_values.period_key = periods.period_key
    inner join metrics
        on current_values.metric_type = metrics.metric_type
    inner join organizations
        on current_values.org_id = organizations.org_id
    left join valued as previous_values
        on
            periods.comparison_period_key = previous_values.period_key
            and current_values.org_level = previous_values.org_level
            and current_values.org_id = previous_values.org_id
            and current_values.metric_type = previous_values.metric_type
    left join benchmarks
        on
            current_values.period_key = benchmarks.period_key
            and organizations.org_key = benchmarks.org_key
            and current_values.metric_type = benchmarks.metric_type
),

final as (
    select
        cast(period_key as varchar(50)) as period_key,
        org_key,
        cast(org_level as varchar(20)) as org_level,
        cast(metric_type as varchar(100)) as metric_type,
        cast(metric_label as varchar(255)) as metric_label,
        cast(display_order as smallint) as display_order,
        cast(current_value as numeric(15, 2)) as current_value,
        cast(previous_value as numeric(15, 2)) as previous_value,
        cast(change_percent as numeric(9, 2)) as change_percent,
        cast(
            case
                when change_percent is null then null
                when abs(change_percent) <= flat_band_percent then 'flat'
                when change_percent > 0 then 'up'
                else 'down'
            end as varchar(10)
        ) as change_direction,
        cast(round(benchmark_value, 2) as numeric(15, 2)) as benchmark_value,
        cast(comparison_period_key as varchar(50)) as comparison_period_key
    from compared
)

select * from final
