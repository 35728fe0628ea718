-- fact_cost_drilldown: one row per performance period x organization x cost category x drill-down member
-- (facility, provider, diagnosis group, discharging hospital), members' claims only (doc cost_drilldown_rule).
with lines as (
    select * from {{ ref('fact_cost_claim_line') }}
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

chapters as (
    select * from {{ ref('icd10_chapters') }}
),

providers as (
    select * from {{ ref('dim_provider') }}
),

period_lines as (
    select
        periods.period_key,
        levels.org_level,
        levels.org_key,
        lines.slug,
        lines.claim_id,
        lines.allowed_amount,
        lines.units,
        lines.facility_org_key,
        lines.provider_key,
        lines.diagnosis_chapter,
        lines.discharging_org_key
    from lines
    inner join periods
        on lines.service_date between periods.start_date and periods.end_date
    inner join organizations as practices
        on lines.org_key = practices.org_key
    cross join
        lateral (
            values ('practice', practices.org_key), ('aco', practices.parent_org_key)
        ) as levels (org_level, org_key)
    where lines.is_member_claim and levels.org_key is not null
),

members as (
    select
        period_lines.period_key,
        period_lines.org_level,
        period_lines.org_key,
        period_lines.slug,
        dimensions.dimension_type,
        dimensions.dimension_id,
        period_lines.claim_id,
        period_lines.allowed_amount,
        period_lines.units
    from period_lines
    cross join
        lateral (
            values
            ('facility', period_lines.facility_org_key),
            ('provider', period_lines.provider_key),
            ('diagnosis_group', cast(period_lines.diagnosis_chapter as integer)),
            ('discharging_hospital', period_lines.discharging_org_key)
        ) as dimensions (dimension_type, dimension_id)
    where dimensions.dimension_id is not null
),

aggregated as (
    select
        period_key,
        org_level,
        org_key,
        slug,
        dimension_type,
        dimension_id,
        sum(allowed_amount) as spending_total,
        count(distinct claim_id) as claim_count,
        sum(units) as unit_count
    from members
    group by period_key, org_level, org_key, slug, dimension_type, dimension_id
),

final as (
    select
        cast(aggregated.period_key as varchar(50)) as period_key,
        aggregated.org_key,
        cast(aggregated.org_level as varchar(20)) as org_level,
        cast(aggregated.slug as varchar(50)) as slug,
        cast(aggregated.dimension_type as varchar(30)) as dimension_type,
        aggregated.dimension_id,
        cast(
            coalesce(dimension_orgs.organization_name, providers.display_name, chapters.title) as varchar(255)
        ) as dimension_label,
        cast(aggregated.spending_total as numeric(16, 2)) as spending_total,
        cast(round(aggregated.spending_total / nullif(cost_categories.member_months, 0), 2) as numeric(10, 2))
            as spending_pmpm,
        cast(
            round(aggregated.spending_total / nullif(cost_categories.spending_total, 0) * 100, 2) as numeric(7, 2)
        ) as share_of_category_percent,
        cast(aggregated.claim_count as integer) as claim_count,
        cast(aggregated.unit_count as integer) as unit_count
    from aggregated
    inner join cost_categories
        on
            aggregated.period_key = cost_categories.period_key
            and aggregated.org_key = cost_categories.org_key
            and aggregated.slug = cost_categories.slug
    left join organizations as dimension_orgs
        on
            aggregated.dimension_type in ('facility', 'discharging_hospital')
            and aggregated.dimension_id = dimension_orgs.org_key
    left join providers
        on aggregated.dimension_type = 'provider' and aggregated.dimension_id = providers.provider_key
    left join chapters
        on aggregated.dimension_type = 'diagnosis_group' and aggregated.dimension_id = chapters.chapter
)

select * from final
