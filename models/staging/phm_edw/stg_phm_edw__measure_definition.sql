-- stg_phm_edw__measure_definition: one row per kept phm_edw.measure_definition row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__measure_definition') }}
),

final as (
    select
        measure_id,
        measure_code,
        measure_name,
        measure_type,
        denominator_criteria,
        numerator_criteria,
        exclusion_criteria,
        description,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
