-- stg_phm_edw__drug_interaction_alert: one row per kept phm_edw.drug_interaction_alert row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__drug_interaction_alert') }}
),

final as (
    select
        alert_id,
        patient_id,
        drug_1_name,
        drug_2_name,
        interaction_type,
        description,
        clinical_significance,
        management,
        triggered_datetime,
        acknowledged_by,
        acknowledged_datetime,
        override_reason,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
