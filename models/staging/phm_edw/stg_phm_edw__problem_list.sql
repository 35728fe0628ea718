-- stg_phm_edw__problem_list: one row per kept phm_edw.problem_list row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__problem_list') }}
),

final as (
    select
        problem_id,
        patient_id,
        condition_id,
        problem_name,
        icd10_code,
        onset_date,
        resolved_date,
        problem_status,
        problem_type,
        severity,
        provider_id,
        notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
