-- base_phm_edw__drug_interaction_alert: every phm_edw.drug_interaction_alert row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__drug_interaction_alert keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'drug_interaction_alert',
    'key': 'alert_id',
    'columns': [
        'alert_id',
        'patient_id',
        {'name': 'drug_1_name', 'clean': 'text'},
        {'name': 'drug_2_name', 'clean': 'text'},
        {'name': 'interaction_type', 'clean': 'code'},
        {'name': 'description', 'clean': 'text'},
        {'name': 'clinical_significance', 'clean': 'text'},
        {'name': 'management', 'clean': 'text'},
        'triggered_datetime',
        'acknowledged_by',
        'acknowledged_datetime',
        {'name': 'override_reason', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'acknowledged_by', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'triggered_datetime', 'when': date_out_of_range('triggered_datetime')},
        {'rule': 'invalid_period', 'column': 'acknowledged_datetime', 'when': "acknowledged_datetime < triggered_datetime"}
    ]
} %}

{{ stage_edw_base(table) }}
