-- int_cost__period_measures: one row per performance period x organization x measure (long form): the
-- counts and sums the top metrics and efficiency KPIs divide (seeds performance_metrics, efficiency_kpis).
-- (doc cost_measures_rule)
with members as (
    select * from {{ ref('int_cost__period_members') }}
),

lines as (
    select * from {{ ref('int_cost__claim_lines') }}
),

encounters as (
    select * from {{ ref('int_cost__encounters') }}
),

periods as (
    select * from {{ ref('int_cost__periods') }}
),

member_measures as (
    select
        period_key,
        org_level,
        org_id,
        sum(member_months) as member_months,
        count(*) as members
    from members
    group by period_key, org_level, org_id
),

spend as (
    select
        periods.period_key,
        levels.org_level,
        levels.org_id,
        sum(lines.allowed_amount) as spend
    from lines
    inner join periods
        on lines.service_date between periods.start_date and periods.end_date
    cross join
        lateral (
            values ('practice', lines.org_id), ('aco', lines.aco_org_id)
        ) as levels (org_level, org_id)
    where lines.is_member_claim and levels.org_id is not null
    group by periods.period_key, levels.org_level, levels.org_id
),

-- Admissions and ED visits count by their first service date; stays by their discharge date.
encounter_measures as (
    select
        periods.period_key,
        levels.org_level,
        levels.org_id,
        count(*) filter (
            where encounters.is_inpatient and encounters.service_date between periods.start_date and periods.end_date
        ) as ip_admits,
        count(*) filter (
            where encounters.is_emergency and encounters.service_date between periods.start_date and periods.end_date
        ) as ed_visits,
        count(*) filter (
            where
            encounters.is_potentially_avoidable_ed
            and encounters.service_date between periods.start_date and periods.end_date
        ) as avoidable_ed_visits,
        count(*) filter (
            where encounters.is_inpatient and encounters.discharge_date between periods.start_date and periods.end_date
        ) as ip_discharges,
        coalesce(sum(encounters.length_of_stay_days) filter (
            where encounters.is_inpatient and encounters.discharge_date between periods.start_date and periods.end_date
        ), 0) as ip_days,
        count(*) filter (
            where
            encounters.is_inpatient and encounters.is_readmission_index
            and encounters.discharge_date between periods.start_date and periods.end_date
        ) as readmission_index_stays,
        count(*) filter (
            where
            encounters.is_inpatient and encounters.is_readmission_index and encounters.is_readmitted_30d
            and encounters.discharge_date between periods.start_date and periods.end_date
        ) as readmissions_30d
    from encounters
    inner join periods
        on
            encounters.service_date <= periods.end_date
            and coalesce(encounters.discharge_date, encounters.service_date) >= periods.start_date
    cross join
        lateral (
            values ('practice', encounters.org_id), ('aco', encounters.aco_org_id)
        ) as levels (org_level, org_id)
    where encounters.is_member_claim and levels.org_id is not null
    group by periods.period_key, levels.org_level, levels.org_id
),

wide as (
    select
        member_measures.*,
        coalesce(spend.spend, 0) as spend,
        coalesce(encounter_measures.ip_admits, 0) as ip_admits,
        coalesce(encounter_measures.ed_visits, 0) as ed_visits,
        coalesce(encounter_measures.avoidable_ed_visits, 0) as avoidable_ed_visits,
        coalesce(encounter_measures.ip_discharges, 0) as ip_discharges,
        coalesce(encounter_measures.ip_days, 0) as ip_days,
        coalesce(encounter_measures.readmission_index_stays, 0) as readmission_index_stays,
        coalesce(encounter_measures.readmissions_30d, 0) as readmissions_30d
    from member_measures
    left join spend
        on
            member_measures.period_key = spend.period_key
            and member_measures.org_level = spend.org_level
            and member_measures.org_id = spend.org_id
    left join encounter_measures
        on
            member_measures.period_key = encounter_measures.period_key
            and member_measures.org_level = encounter_measures.org_level
            and member_measures.org_id = encounter_measures.org_id
),

final as (
    select
        wide.period_key,
        wide.org_level,
        wide.org_id,
        measures.measure_name,
        cast(measures.measure_value as numeric(18, 6)) as measure_value
    from wide
    cross join lateral (
        values
        ('member_months', wide.member_months),
        ('members', wide.members),
        ('spend', wide.spend),
        ('ip_admits', wide.ip_admits),
        ('ed_visits', wide.ed_visits),
        ('avoidable_ed_visits', wide.avoidable_ed_visits),
        ('ip_discharges', wide.ip_discharges),
        ('ip_days', wide.ip_days),
        ('readmission_index_stays', wide.readmission_index_stays),
        ('readmissions_30d', wide.readmissions_30d)
    ) as measures (measure_name, measure_value)
)

select * from final
