-- dim_recommendation: one row per recommendation rule x ACO (spec recommendations), evaluated in the active
-- performance period, with the status people set (doc recommendation_rule, doc recommendation_status_rule).
with recommendation_keys as (
    select * from {{ ref('int_keys__recommendation') }}
),

rules as (
    select * from {{ ref('recommendation_rules') }}
),

triggers as (
    select * from {{ ref('recommendation_triggers') }}
),

resources as (
    select * from {{ ref('program_resources') }}
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

kpis as (
    select * from {{ ref('fact_efficiency_kpi') }}
),

bridge as (
    select * from {{ ref('bridge_recommendation_cost_category') }}
),

cohorts as (
    select * from {{ ref('int_cost__recommendation_cohorts') }}
),

lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

status_history as (
    select * from {{ ref('stg_phm_app__recommendation_status_history') }}
),

active_period as (
    select * from periods
    where is_active
),

trigger_results as (
    select
        triggers.recommendation_code,
        organizations.org_id,
        bool_or(
            coalesce(cost_categories.performance_status, kpis.performance_status)
            = any(string_to_array(triggers.trigger_statuses, '|'))
        ) as is_triggered
    from triggers
    cross join active_period
    cross join organizations
    left join cost_categories
        on
            triggers.trigger_kind = 'cost_category'
            and active_period.period_key = cost_categories.period_key
            and organizations.org_key = cost_categories.org_key
            and triggers.trigger_code = cost_categories.slug
    left join kpis
        on
            triggers.trigger_kind = 'efficiency_kpi'
            and active_period.period_key = kpis.period_key
            and organizations.org_key = kpis.org_key
            and triggers.trigger_code = kpis.kpi_type
    group by triggers.recommendation_code, organizations.org_id
),

savings as (
    select
        recommendation_key,
        sum(impact_amount) as estimated_savings
    from bridge
    group by recommendation_key
),

cohort_sizes as (
    select
        recommendation_code,
        org_id,
        count(*) as cohort_size
    from cohorts
    group by recommendation_code, org_id
),

affected as (
    select
        triggers.recommendation_code,
        lines.aco_org_id as org_id,
        count(distinct lines.patient_id) as affected_lives
    from triggers
    inner join lines
        on triggers.trigger_code = lines.category_slug
    inner join active_period
        on lines.service_date between active_period.start_date and active_period.end_date
    where triggers.affects_category and lines.is_member_claim and lines.allowed_amount > 0
    group by triggers.recommendation_code, lines.aco_org_id
),

latest_status as (
    select distinct on (recommendation_code, org_id)
        recommendation_code,
        org_id,
        status,
        note,
        set_by,
        set_at
    from status_history
    order by recommendation_code asc, org_id asc, set_at desc, status_change_id desc
),

status_counts as (
    select
        recommendation_code,
        org_id,
        count(*) as status_changes
    from status_history
    group by recommendation_code, org_id
),

program_flags as (
    select
        recommendation_code,
        count(*) as resource_count
    from resources
    group by recommendation_code
),

final as (
    select
        recommendation_keys.recommendation_key,
        cast(rules.recommendation_code as varchar(50)) as recommendation_code,
        organizations.org_key,
        cast(active_period.period_key as varchar(50)) as period_key,
        cast(rules.title as varchar(255)) as title,
        cast(rules.description as text) as description,
        cast(coalesce(latest_status.status, 'not_started') as varchar(50)) as status,
        cast(latest_status.note as text) as status_note,
        cast(latest_status.set_by as varchar(100)) as status_set_by,
        latest_status.set_at as status_set_at,
        cast(coalesce(status_counts.status_changes, 0) as integer) as status_changes,
        cast(rules.priority as varchar(20)) as priority,
        coalesce(trigger_results.is_triggered, false) as is_triggered,
        cast(coalesce(savings.estimated_savings, 0) as numeric(14, 2)) as estimated_savings,
        cast(rules.achievable_share_percent as numeric(5, 2)) as achievable_share_percent,
        cast(coalesce(affected.affected_lives, 0) as integer) as affected_lives,
        cast(rules.patient_cohort as text) as patient_cohort,
        cast(coalesce(cohort_sizes.cohort_size, 0) as integer) as cohort_size,
        coalesce(program_flags.resource_count, 0) > 0 as has_program_details,
        cast(rules.program_overview as text) as program_overview,
        cast(null as varchar(500)) as video_url,
        coalesce(rules.can_convert_to_workflow, false) as can_convert_to_workflow,
        cast(rules.workflow_type as varchar(50)) as workflow_type
    from recommendation_keys
    inner join rules
        on recommendation_keys.recommendation_code = rules.recommendation_code
    inner join organizations
        on recommendation_keys.org_id = organizations.org_id
    cross join active_period
    left join trigger_results
        on
            recommendation_keys.recommendation_code = trigger_results.recommendation_code
            and recommendation_keys.org_id = trigger_results.org_id
    left join savings
        on recommendation_keys.recommendation_key = savings.recommendation_key
    left join cohort_sizes
        on
            recommendation_keys.recommendation_code = cohort_sizes.recommendation_code
            and recommendation_keys.org_id = cohort_sizes.org_id
    left join affected
        on
            recommendation_keys.recommendation_code = affected.recommendation_code
            and recommendation_keys.org_id = affected.org_id
    left join latest_status
        on
            recommendation_keys.recommendation_code = latest_status.recommendation_code
            and recommendation_keys.org_id = latest_status.org_id
    left join status_counts
        on
            recommendation_keys.recommendation_code = status_counts.recommendation_code
            and recommendation_keys.org_id = status_counts.org_id
    left join program_flags
        on recommendation_keys.recommendation_code = program_flags.recommendation_code
)

select * from final
