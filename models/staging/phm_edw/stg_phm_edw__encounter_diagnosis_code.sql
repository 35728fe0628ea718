-- stg_phm_edw__encounter_diagnosis_code: one row per kept phm_edw.encounter_diagnosis_code row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__encounter_diagnosis_code') }}
),

final as (
    select
        code_id,
        encounter_id,
        patient_id,
        icd10_code,
        icd10_description,
        diagnosis_pointer,
        hcc_code,
        hcc_description,
        hcc_weight,
        cpt_code,
        modifier,
        is_billable,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
