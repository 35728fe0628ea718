-- int_cost__period_members: one row per performance period x organization (each attributed practice,
-- and the ACO above it) x member, with the member months the member contributes.
-- (doc member_month_rule) (doc cost_organization_rule)
with member_months as (
    select * from {{ ref('int_cost__member_months') }}
),

periods as (
    select * from {{ ref('int_cost__periods') }}
),

final as (
    select
        periods.period_key,
        levels.org_level,
        levels.org_id,
        member_months.patient_id,
        sum(member_months.member_months) as member_months
    from member_months
    inner join periods
        on member_months.month_start between periods.start_date and periods.end_date
    cross join
        lateral (
            values ('practice', member_months.org_id), ('aco', member_months.aco_org_id)
        ) as levels (org_level, org_id)
    where member_months.is_counting_payer and levels.org_id is not null
    group by periods.period_key, levels.org_level, levels.org_id, member_months.patient_id
)

select * from final
