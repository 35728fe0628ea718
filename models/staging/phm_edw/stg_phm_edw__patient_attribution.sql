-- stg_phm_edw__patient_attribution: one row per kept phm_edw.patient_attribution row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__patient_attribution') }}
),

final as (
    select
        attribution_id,
        patient_id,
        provider_id,
        org_id,
        program_name,
        attribution_start_date,
        attribution_end_date,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
