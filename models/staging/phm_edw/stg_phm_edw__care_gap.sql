-- stg_phm_edw__care_gap: one row per kept phm_edw.care_gap row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead. Coded vocabularies are normalised
-- through seeds/reference/value_map.csv (unknown spellings become UNMAPPED, raw value kept beside).
with base as (
    select * from {{ ref('base_phm_edw__care_gap') }}
),

value_map as (
    select * from {{ ref('value_map') }}
),

final as (
    select
        base.care_gap_id,
        base.patient_id,
        base.measure_id,
        {{ mapped_value('upper(base.gap_status)', 'care_gap_status_map') }} as gap_status,
        base.gap_status as gap_status_as_received,
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
    {{ value_map_join('care_gap_status', 'upper(base.gap_status)', 'care_gap_status_map') }}
    where base.reject_rule is null
)

select * from final
