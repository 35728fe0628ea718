-- int_cost__periods: one row per performance period (seed performance_periods), with its dates worked
-- out from the run date. (doc performance_period_rule)
with periods as (
    select * from {{ ref('performance_periods') }}
),

anchored as (
    select
        periods.*,
        cast(date_trunc(periods.anchor_unit, cast({{ run_date() }} as timestamp)) as date) as anchor_date
    from periods
),

final as (
    select
        cast(period_key as varchar(50)) as period_key,
        cast(period_label as varchar(100)) as period_label,
        cast(period_kind as varchar(20)) as period_kind,
        cast(
            case
                when period_kind = 'relative'
                    then anchor_date + make_interval(months => start_offset_months)
                else fixed_start_date
            end as date
        ) as start_date,
        cast(
            case
                when period_kind = 'relative' and ends_on_run_date
                    then {{ run_date() }} + make_interval(months => end_offset_months)
                when period_kind = 'relative'
                    then anchor_date + make_interval(months => end_offset_months) - interval '1 day'
                else fixed_end_date
            end as date
        ) as end_date,
        cast(comparison_period_key as varchar(50)) as comparison_period_key,
        coalesce(is_default, false) as is_active,
        cast(display_order as smallint) as display_order
    from anchored
)

select * from final
