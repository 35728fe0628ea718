-- stg_phm_edw__patient_insurance_coverage: one row per kept phm_edw.patient_insurance_coverage row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__patient_insurance_coverage') }}
),

final as (
    select
        coverage_id,
        patient_id,
        payer_id,
        policy_number,
        coverage_start_date,
        coverage_end_date,
        is_primary,
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
