-- stg_phm_edw__medication_reconciliation: one row per kept phm_edw.medication_reconciliation row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__medication_reconciliation') }}
),

final as (
    select
        reconciliation_id,
        patient_id,
        referral_id,
        encounter_id,
        reconciled_by,
        reconciled_datetime,
        reconciliation_source,
        medications_added,
        medications_changed,
        medications_stopped,
        reconciliation_notes,
        is_active,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
