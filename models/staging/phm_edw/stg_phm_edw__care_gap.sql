-- stg_phm_edw__care_gap: one row per kept phm_edw.care_gap row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__care_gap') }}
),

final as (
    select
        care_gap_id,
        patient_id,
        measure_id,
        gap_status,
        identified_date,
        resolved_date,
        comments,
        is_active,
        created_at,
        updated_at,
        bundle_id,
        due_date,
        gap_priority,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
