-- int_cost__member_months: one row per patient x month x payer with coverage in force on at least one
-- day of the month, from the months of the earliest performance period up to the run date.
-- (doc member_month_rule)
with coverage as (
    select * from {{ ref('stg_phm_edw__patient_insurance_coverage') }}
),

attribution as (
    select * from {{ ref('stg_phm_edw__patient_attribution') }}
),

organizations as (
    select * from {{ ref('stg_phm_edw__organization') }}
),

periods as (
    select * from {{ ref('int_cost__periods') }}
),

window_bounds as (
    select
        cast(date_trunc('month', min(start_date)) as date) as first_month,
        {{ run_date() }} as last_day
    from periods
),

-- Every kept coverage row counts by its dates: active_ind only says whether it is still in force.
spans as (
    select
        coverage.patient_id,
        coverage.payer_id,
        coverage.coverage_start_date as span_start,
        least(coalesce(coverage.coverage_end_date, window_bounds.last_day), window_bounds.last_day) as span_end,
        coalesce(coverage.is_primary, false) as is_primary
    from coverage
    cross join window_bounds
    where coverage.coverage_start_date <= window_bounds.last_day
),

-- Overlapping or adjacent spans of the same patient and payer merge into one island ...
payer_ordered as (
    select
        spans.*,
        max(span_end) over (
            partition by patient_id, payer_id order by span_start, span_end
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from spans
    where span_end >= span_start
),

payer_islands as (
    select
        payer_ordered.*,
        sum(case when previous_end >= span_start - 1 then 0 else 1 end) over (
            partition by patient_id, payer_id order by span_start, span_end
            rows unbounded preceding
        ) as island_no
    from payer_ordered
),

payer_spans as (
    select
        patient_id,
        payer_id,
        min(span_start) as span_start,
        max(span_end) as span_end,
        bool_or(is_primary) as is_primary
    from payer_islands
    group by patient_id, payer_id, island_no
),

-- ... and so do the patient's spans across payers, so that a covered day counts once.
patient_ordered as (
    select
        patient_id,
        span_start,
        span_end,
        max(span_end) over (
            partition by patient_id order by span_start, span_end
            rows between unbounded preceding and 1 preceding
        ) as previous_end
    from payer_spans
),

patient_islands as (
    select
        patient_ordered.*,
        sum(case when previous_end >= span_start - 1 then 0 else 1 end) over (
            partition by patient_id order by span_start, span_end
            rows unbounded preceding
        ) as island_no
    from patient_ordered
),

patient_spans as (
    select
        patient_id,
        min(span_start) as span_start,
        max(span_end) as span_end
    from patient_islands
    group by patient_id, island_no
),

payer_days as (
    select
        payer_spans.patient_id,
        payer_spans.payer_id,
        cast(month_series.month_start as date) as month_start,
        sum(
            least(payer_spans.span_end, cast(month_series.month_start + interval '1 month' - interval '1 day' as date))
            - greatest(payer_spans.span_start, cast(month_series.month_start as date)) + 1
        ) as days_covered,
        bool_or(payer_spans.is_primary) as is_primary,
        max(payer_spans.span_start) as latest_span_start
    from payer_spans
    cross join window_bounds
    cross join
        lateral generate_series(
            cast(date_trunc('month', greatest(payer_spans.span_start, window_bounds.first_month)) as timestamp),
            cast(payer_spans.span_end as timestamp),
            interval '1 month'
        ) as month_series (month_start)
    group by payer_spans.patient_id, payer_spans.payer_id, cast(month_series.month_start as date)
),

patient_days as (
    select
        patient_spans.patient_id,
        cast(month_series.month_start as date) as month_start,
        sum(
            least(
                patient_spans.span_end, cast(month_series.month_start + interval '1 month' - interval '1 day' as date)
            )
            - greatest(patient_spans.span_start, cast(month_series.month_start as date)) + 1
        ) as days_covered
    from patient_spans
    cross join window_bounds
    cross join
        lateral generate_series(
            cast(date_trunc('month', greatest(patient_spans.span_start, window_bounds.first_month)) as timestamp),
            cast(patient_spans.span_end as timestamp),
            interval '1 month'
        ) as month_series (month_start)
    group by patient_spans.patient_id, cast(month_series.month_start as date)
),

ranked_payers as (
    select
        payer_days.*,
        row_number() over (
            partition by patient_id, month_start
            order by is_primary desc, days_covered desc, latest_span_start desc, payer_id asc
        ) as payer_rank
    from payer_days
),

-- The practice the patient is attributed to in the month: the attribution in force on any day of
-- the month that started last.
month_attribution as (
    select distinct on (ranked_payers.patient_id, ranked_payers.month_start)
        ranked_payers.patient_id,
        ranked_payers.month_start,
        attribution.org_id
    from ranked_payers
    inner join attribution
        on
            ranked_payers.patient_id = attribution.patient_id
            and attribution.attribution_start_date
            < ranked_payers.month_start + interval '1 month'
            and coalesce(attribution.attribution_end_date, ranked_payers.month_start) >= ranked_payers.month_start
    where ranked_payers.payer_rank = 1
    order by
        ranked_payers.patient_id asc,
        ranked_payers.month_start asc,
        attribution.attribution_start_date desc,
        attribution.attribution_id desc
),

final as (
    select
        ranked_payers.patient_id,
        ranked_payers.month_start,
        ranked_payers.payer_id,
        month_attribution.org_id,
        organizations.parent_org_id as aco_org_id,
        cast(ranked_payers.days_covered as smallint) as days_covered,
        cast(
            extract(day from ranked_payers.month_start + interval '1 month' - interval '1 day') as smallint
        ) as days_in_month,
        ranked_payers.is_primary,
        ranked_payers.payer_rank = 1 as is_counting_payer,
        cast(
            case
                when ranked_payers.payer_rank = 1
                    then
                        patient_days.days_covered
                        / extract(day from ranked_payers.month_start + interval '1 month' - interval '1 day')
                else 0
            end as numeric(9, 6)
        ) as member_months
    from ranked_payers
    inner join patient_days
        on
            ranked_payers.patient_id = patient_days.patient_id
            and ranked_payers.month_start = patient_days.month_start
    left join month_attribution
        on
            ranked_payers.patient_id = month_attribution.patient_id
            and ranked_payers.month_start = month_attribution.month_start
    left join organizations
        on month_attribution.org_id = organizations.org_id
)

select * from final
