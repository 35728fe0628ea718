-- int_cost__period_categories: one row per performance period x organization x cost category, with the
-- members' allowed spending and the category's utilization count; every category appears for every
-- organization and period with member months, with zeros where nothing was billed.
-- (doc cost_category_rule) (doc cost_spending_rule) (doc cost_utilization_rule)
with lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

members as (
    select * from {{ ref('int_cost__period_members') }}
),

periods as (
    select * from {{ ref('int_cost__periods') }}
),

categories as (
    select * from {{ ref('cost_categories') }}
),

org_periods as (
    select
        period_key,
        org_level,
        org_id,
        sum(member_months) as member_months,
        count(*) as members
    from members
    group by period_key, org_level, org_id
),

period_lines as (
    select
        periods.period_key,
        levels.org_level,
        levels.org_id,
        lines.category_slug,
        lines.encounter_id,
        lines.units,
        lines.allowed_amount
    from lines
    inner join periods
        on lines.service_date between periods.start_date and periods.end_date
    cross join
        lateral (
            values ('practice', lines.org_id), ('aco', lines.aco_org_id)
        ) as levels (org_level, org_id)
    where lines.is_member_claim and levels.org_id is not null
),

category_totals as (
    select
        period_lines.period_key,
        period_lines.org_level,
        period_lines.org_id,
        period_lines.category_slug,
        sum(period_lines.allowed_amount) as spending_total,
        count(distinct period_lines.encounter_id) as encounter_count,
        sum(period_lines.units) as unit_count
    from period_lines
    group by period_lines.period_key, period_lines.org_level, period_lines.org_id, period_lines.category_slug
),

final as (
    select
        org_periods.period_key,
        org_periods.org_level,
        org_periods.org_id,
        categories.category_slug,
        org_periods.member_months,
        org_periods.members,
        coalesce(category_totals.spending_total, 0) as spending_total,
        coalesce(
            case categories.utilization_count_method
                when 'encounters' then category_totals.encounter_count
                when 'line_units' then category_totals.unit_count
            end,
            0
        ) as utilization_count
    from org_periods
    cross join categories
    left join category_totals
        on
            org_periods.period_key = category_totals.period_key
            and org_periods.org_level = category_totals.org_level
            and org_periods.org_id = category_totals.org_id
            and categories.category_slug = category_totals.category_slug
)

select * from final
