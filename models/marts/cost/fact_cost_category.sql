-- fact_cost_category: one row per performance period x organization x cost category (spec cost_categories):
-- spending PMPM and utilization per 1,000 against the benchmark, red/yellow/green and the ACO rank.
with period_categories as (
    select * from {{ ref('int_cost__period_categories') }}
),

period_members as (
    select * from {{ ref('int_cost__period_members') }}
),

risk_scores as (
    select * from {{ ref('int_patients__latest_risk_scores') }}
),

categories as (
    select * from {{ ref('cost_categories') }}
),

benchmarks as (
    select * from {{ ref('cost_category_benchmarks') }}
),

thresholds as (
    select * from {{ ref('performance_status_thresholds') }}
),

organizations as (
    select * from {{ ref('dim_organization') }}
),

-- Average HCC score of the organization's members in the period, weighted by member months.
risk_factors as (
    select
        period_members.period_key,
        period_members.org_level,
        period_members.org_id,
        coalesce(
            sum(risk_scores.hcc_risk_score * period_members.member_months)
            / nullif(sum(period_members.member_months) filter (where risk_scores.hcc_risk_score is not null), 0),
            1
        ) as hcc_factor
    from period_members
    left join risk_scores
        on period_members.patient_id = risk_scores.patient_id
    group by period_members.period_key, period_members.org_level, period_members.org_id
),

measured as (
    select
        period_categories.period_key,
        period_categories.org_level,
        organizations.org_key,
        organizations.parent_org_key,
        period_categories.category_slug,
        categories.category_name,
        categories.display_order,
        period_categories.member_months,
        period_categories.spending_total,
        period_categories.utilization_count,
        round(period_categories.spending_total / period_categories.member_months, 2) as spending_pmpm_actual,
        round(
            benchmarks.spending_pmpm_benchmark
            * case when benchmarks.risk_adjust then risk_factors.hcc_factor else 1 end,
            2
        ) as spending_pmpm_benchmark,
        round(period_categories.utilization_count / period_categories.member_months * 12000, 2) as utilization_actual,
        benchmarks.utilization_benchmark,
        categories.utilization_unit,
        round(case when benchmarks.risk_adjust then risk_factors.hcc_factor else 1 end, 3) as benchmark_risk_factor,
        benchmarks.source as benchmark_source,
        benchmarks.source_year as benchmark_year
    from period_categories
    inner join organizations
        on period_categories.org_id = organizations.org_id
    inner join categories
        on period_categories.category_slug = categories.category_slug
    left join benchmarks
        on period_categories.category_slug = benchmarks.category_slug
    left join risk_factors
        on
            period_categories.period_key = risk_factors.period_key
            and period_categories.org_level = risk_factors.org_level
            and period_categories.org_id = risk_factors.org_id
    where period_categories.member_months > 0
),

variances as (
    select
        measured.*,
        spending_pmpm_actual - spending_pmpm_benchmark as spending_variance_amount,
        round((spending_pmpm_actual - spending_pmpm_benchmark) / nullif(spending_pmpm_benchmark, 0) * 100, 2)
            as spending_variance_percent,
        round(utilization_actual - utilization_benchmark, 2) as utilization_variance_amount,
        round((utilization_actual - utilization_benchmark) / nullif(utilization_benchmark, 0) * 100, 2)
            as utilization_variance_percent
    from measured
),

rated as (
    select
        variances.*,
        thresholds.status as performance_status,
        coalesce(thresholds.is_opportunity, false) as is_opportunity,
        coalesce(thresholds.is_strength, false) as is_strength,
        case
            when variances.org_level = 'practice' and variances.parent_org_key is not null
                then rank() over (
                        partition by
                            variances.period_key, variances.org_level, variances.parent_org_key, variances.category_slug
                        order by variances.spending_pmpm_actual asc
                    )
        end as aco_rank,
        case
            when variances.org_level = 'practice' and variances.parent_org_key is not null
                then count(*) over (
                        partition by
                            variances.period_key, variances.org_level, variances.parent_org_key, variances.category_slug
                    )
        end as aco_practice_count
    from variances
    left join thresholds
        on
            thresholds.scale = 'cost_category'
            and (
                thresholds.lower_bound_percent is null
                or variances.spending_variance_percent >= thresholds.lower_bound_percent
            )
            and (
                thresholds.upper_bound_percent is null
                or variances.spending_variance_percent < thresholds.upper_bound_percent
            )
),

final as (
    select
        cast(period_key as varchar(50)) as period_key,
        org_key,
        cast(org_level as varchar(20)) as org_level,
        cast(category_slug as varchar(50)) as slug,
        cast(category_name as varchar(255)) as category_name,
        cast(display_order as smallint) as display_order,
        cast(member_months as numeric(14, 4)) as member_months,
        cast(spending_total as numeric(16, 2)) as spending_total,
        cast(spending_pmpm_actual as numeric(10, 2)) as spending_pmpm_actual,
        cast(spending_pmpm_benchmark as numeric(10, 2)) as spending_pmpm_benchmark,
        cast(spending_variance_amount as numeric(10, 2)) as spending_variance_amount,
        cast(spending_variance_percent as numeric(9, 2)) as spending_variance_percent,
        cast(round(spending_variance_amount * member_months, 2) as numeric(16, 2)) as spending_variance_total,
        cast(utilization_count as numeric(14, 2)) as utilization_count,
        cast(utilization_actual as numeric(10, 2)) as utilization_actual,
        cast(utilization_benchmark as numeric(10, 2)) as utilization_benchmark,
        cast(utilization_variance_percent as numeric(9, 2)) as utilization_variance_percent,
        cast(utilization_unit as varchar(50)) as utilization_unit,
        cast(performance_status as varchar(20)) as performance_status,
        is_opportunity,
        is_strength,
        cast(aco_rank as integer) as aco_rank,
        cast(aco_practice_count as integer) as aco_practice_count,
        cast(benchmark_risk_factor as numeric(6, 3)) as benchmark_risk_factor,
        cast(benchmark_source as text) as benchmark_source,
        cast(benchmark_year as smallint) as benchmark_year
    from rated
)

select * from final
