-- base_phm_edw__medication_reconciliation: every phm_edw.medication_reconciliation row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__medication_reconciliation keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'medication_reconciliation',
    'key': 'reconciliation_id',
    'columns': [
        'reconciliation_id',
        'patient_id',
        'referral_id',
        'encounter_id',
        'reconciled_by',
        'reconciled_datetime',
        {'name': 'source', 'clean': 'code', 'as': 'reconciliation_source'},
        'medications_added',
        'medications_changed',
        'medications_stopped',
        {'name': 'reconciliation_notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'encounter_id', 'model': 'stg_phm_edw__encounter', 'parent_column': 'encounter_id'},
        {'column': 'reconciled_by', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'reconciled_datetime', 'when': date_out_of_range('reconciled_datetime')}
    ]
} %}

{{ stage_edw_base(table) }}
