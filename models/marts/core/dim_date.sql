-- dim_date: one row per calendar day from var date_dim_start to date_dim_end, plus the unknown day -1.
with days as (
    {{ dbt.date_spine('day', "cast('" ~ var('date_dim_start') ~ "' as date)",
                      "cast('" ~ var('date_dim_end') ~ "' as date) + 1") }}
),

calendar as (
    select
        cast(to_char(date_day, 'YYYYMMDD') as integer) as date_key,
        cast(date_day as date) as full_date,
        cast(extract(day from date_day) as smallint) as day,
        cast(extract(month from date_day) as smallint) as month,
        cast(extract(year from date_day) as smallint) as year,
        cast(extract(quarter from date_day) as smallint) as quarter,
        cast(extract(week from date_day) as smallint) as week_of_year,
        cast(extract(isodow from date_day) as smallint) as day_of_week,
        cast(trim(to_char(date_day, 'Day')) as varchar(20)) as day_name,
        cast(trim(to_char(date_day, 'Month')) as varchar(20)) as month_name,
        cast(
            extract(year from date_day)
            + case when extract(month from date_day) >= {{ var('fiscal_year_start_month') }} then 1 else 0 end
            - case when {{ var('fiscal_year_start_month') }} = 1 then 1 else 0 end
            as smallint
        ) as fiscal_year,
        cast(
            floor(
                mod(cast(extract(month from date_day) as integer) - {{ var('fiscal_year_start_month') }} + 12, 12) / 3
            )
            + 1
            as smallint
        ) as fiscal_quarter,
        extract(isodow from date_day) in (6, 7) as is_weekend,
        cast(to_char(date_day, 'YYYYMM') as integer) as year_month,
        false as is_unknown
    from days
),

unknown_day as (
    select
        -1 as date_key,
        cast(null as date) as full_date,
        cast(null as smallint) as day,
        cast(null as smallint) as month,
        cast(null as smallint) as year,
        cast(null as smallint) as quarter,
        cast(null as smallint) as week_of_year,
        cast(null as smallint) as day_of_week,
        cast('Unknown' as varchar(20)) as day_name,
        cast('Unknown' as varchar(20)) as month_name,
        cast(null as smallint) as fiscal_year,
        cast(null as smallint) as fiscal_quarter,
        false as is_weekend,
        cast(null as integer) as year_month,
        true as is_unknown
),

final as (
    select * from calendar
    union all
    select * from unknown_day
)

select * from final
