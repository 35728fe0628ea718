-- stg_phm_edw__provider_incentive: one row per kept phm_edw.provider_incentive row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__provider_incentive') }}
),

final as (
    select
        incentive_id,
        provider_id,
        period_id,
        incentive_type,
        base_compensation,
        incentive_potential,
        incentive_earned,
        performance_rate,
        metrics_summary,
        payment_date,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
