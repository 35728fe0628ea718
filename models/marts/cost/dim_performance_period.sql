-- dim_performance_period: one row per performance period (spec performance_periods), dates as of the run.
with periods as (
    select * from {{ ref('int_cost__periods') }}
),

final as (
    select
        period_key,
        period_label,
        period_kind,
        start_date,
        end_date,
        {{ date_key('start_date') }} as date_key_start,
        {{ date_key('end_date') }} as date_key_end,
        comparison_period_key,
        is_active,
        display_order
    from periods
)

select * from final
