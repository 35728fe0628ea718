-- int_cost__recommendation_cohorts: one row per recommendation rule x ACO x member of the rule's patient cohort
-- in the active performance period (doc recommendation_rule).
with rules as (
    select * from {{ ref('recommendation_rules') }}
),

periods as (
    select * from {{ ref('int_cost__periods') }}
),

period_members as (
    select * from {{ ref('int_cost__period_members') }}
),

lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

encounters as (
    select * from {{ ref('int_cost__encounters') }}
),

active_members as (
    select period_members.*
    from period_members
    inner join periods
        on period_members.period_key = periods.period_key
    where periods.is_active and period_members.org_level = 'aco'
),

active_lines as (
    select lines.*
    from lines
    inner join periods
        on lines.service_date between periods.start_date and periods.end_date
    where periods.is_active and lines.is_member_claim
),

member_spend as (
    select
        active_members.org_id,
        active_members.patient_id,
        coalesce(sum(active_lines.allowed_amount), 0) as spend,
        count(*) over (partition by active_members.org_id) as org_members
    from active_members
    left join active_lines
        on
            active_members.patient_id = active_lines.patient_id
            and active_members.org_id = active_lines.aco_org_id
    group by active_members.org_id, active_members.patient_id
),

spend_ranked as (
    select
        member_spend.*,
        row_number() over (partition by org_id order by spend desc, patient_id asc) as spend_rank
    from member_spend
),

category_users as (
    select distinct
        aco_org_id as org_id,
        patient_id,
        category_slug
    from active_lines
),

avoidable_ed_users as (
    select distinct
        encounters.aco_org_id as org_id,
        encounters.patient_id
    from encounters
    inner join periods
        on encounters.service_date between periods.start_date and periods.end_date
    where periods.is_active and encounters.is_member_claim and encounters.is_potentially_avoidable_ed
),

final as (
    select
        rules.recommendation_code,
        spend_ranked.org_id,
        spend_ranked.patient_id
    from rules
    inner join spend_ranked
        on
            rules.cohort_rule = 'top_cost_percent'
            and spend_ranked.spend > 0
            and spend_ranked.spend_rank
            <= ceil(spend_ranked.org_members * cast(rules.cohort_parameter as numeric) / 100)
    union all
    select
        rules.recommendation_code,
        category_users.org_id,
        category_users.patient_id
    from rules
    inner join category_users
        on rules.cohort_rule = 'category_users' and rules.cohort_parameter = category_users.category_slug
    union all
    select
        rules.recommendation_code,
        avoidable_ed_users.org_id,
        avoidable_ed_users.patient_id
    from rules
    inner join avoidable_ed_users
        on rules.cohort_rule = 'avoidable_ed_users'
    union all
    select
        rules.recommendation_code,
        active_members.org_id,
        active_members.patient_id
    from rules
    inner join active_members
        on rules.cohort_rule = 'all_members'
)

select * from final
