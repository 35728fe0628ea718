-- stg_phm_edw__quality_score: one row per kept phm_edw.quality_score row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__quality_score') }}
),

final as (
    select
        score_id,
        provider_id,
        period_id,
        measure_id,
        bundle_id,
        numerator_count,
        denominator_count,
        performance_rate,
        performance_score,
        benchmark_percentile,
        mips_points_earned,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
