-- stg_phm_edw__sdoh_assessment: one row per kept phm_edw.sdoh_assessment row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__sdoh_assessment') }}
),

final as (
    select
        sdoh_assessment_id,
        patient_id,
        assessment_date,
        housing_status,
        has_food_insecurity,
        has_transportation_barrier,
        social_isolation_score,
        comments,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
