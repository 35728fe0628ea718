-- stg_phm_edw__quality_reporting_period: one row per kept phm_edw.quality_reporting_period row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__quality_reporting_period') }}
),

final as (
    select
        period_id,
        period_name,
        period_type,
        start_date,
        end_date,
        reporting_year,
        reporting_quarter,
        program,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
