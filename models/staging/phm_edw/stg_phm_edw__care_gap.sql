-- stg_phm_edw__care_gap: one row per kept phm_edw.care_gap row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead. The status is normalised in the base
-- model through seeds/reference/value_map.csv; a spelling the map does not know is rejected there (invalid_value).
with base as (
    select * from {{ ref('base_phm_edw__care_gap') }}
),

final as (
    select
        base.care_gap_id,
        base.patient_id,
        base.measure_id,
        base.gap_status,
        base.gap_status_as_received,
        base.identified_date,
        base.resolved_date,
        base.comments,
        base.is_active,
        base.created_at,
        base.updated_at,
        base.bundle_id,
        base.due_date,
        base.gap_priority,
        base.source_updated_at
    from base
    where base.reject_rule is null
)

select * from final
