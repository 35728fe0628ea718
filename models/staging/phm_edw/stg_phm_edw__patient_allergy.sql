-- stg_phm_edw__patient_allergy: one row per kept phm_edw.patient_allergy row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__patient_allergy') }}
),

final as (
    select
        patient_allergy_id,
        patient_id,
        allergy_id,
        reaction,
        severity,
        onset_date,
        end_date,
        status,
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
