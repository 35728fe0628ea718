-- fact_efficiency_kpi: one row per performance period x organization x efficiency KPI (spec efficiency_kpis),
-- against the ACO benchmark with good / warning / poor.
with measures as (
    select * from {{ ref('int_cost__period_measures') }}
),

kpis as (
    select * from {{ ref('efficiency_kpis') }}
),

thresholds as (
    select * from {{ ref('performance_status_thresholds') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

valued as (
    select
        numerators.period_key,
        numerators.org_level,
        numerators.org_id,
        kpis.kpi_type,
        kpis.kpi_label,
        kpis.display_order,
        kpis.aco_benchmark,
        kpis.benchmark_source,
        kpis.benchmark_year,
        numerators.measure_value as numerator_value,
        denominators.measure_value as denominator_value,
        round(numerators.measure_value / nullif(denominators.measure_value, 0) * kpis.multiplier, 2) as actual_value,
        kpis.higher_is_better
    from kpis
    inner join measures as numerators
        on kpis.numerator_measure = numerators.measure_name
    inner join measures as denominators
        on
            kpis.denominator_measure = denominators.measure_name
            and numerators.period_key = denominators.period_key
            and numerators.org_level = denominators.org_level
            and numerators.org_id = denominators.org_id
),

-- How much worse than the benchmark, in percent: positive is worse whichever way the KPI points.
variances as (
    select
        valued.*,
        round(
            (actual_value - aco_benchmark) / nullif(aco_benchmark, 0) * 100
            * case when higher_is_better then -1 else 1 end,
            2
        ) as variance_percent
    from valued
),

final as (
    select
        cast(variances.period_key as varchar(50)) as period_key,
        organizations.org_key,
        cast(variances.org_level as varchar(20)) as org_level,
        cast(variances.kpi_type as varchar(100)) as kpi_type,
        cast(variances.kpi_label as varchar(255)) as kpi_label,
        cast(variances.display_order as smallint) as display_order,
        cast(variances.numerator_value as numeric(18, 4)) as numerator_value,
        cast(variances.denominator_value as numeric(18, 4)) as denominator_value,
        cast(variances.actual_value as numeric(10, 2)) as actual_value,
        cast(variances.aco_benchmark as numeric(10, 2)) as aco_benchmark,
        cast(null as numeric(10, 2)) as milliman_benchmark,
        cast(variances.variance_percent as numeric(9, 2)) as variance_percent,
        cast(thresholds.status as varchar(20)) as performance_status,
        cast(variances.benchmark_source as text) as benchmark_source,
        cast(variances.benchmark_year as smallint) as benchmark_year
    from variances
    inner join organizations
        on variances.org_id = organizations.org_id
    left join thresholds
        on
            thresholds.scale = 'efficiency_kpi'
            and (thresholds.lower_bound_percent is null or variances.variance_percent >= thresholds.lower_bound_percent)
            and (thresholds.upper_bound_percent is null or variances.variance_percent < thresholds.upper_bound_percent)
)

select * from final
