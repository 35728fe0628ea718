-- base_phm_edw__refill_request: every phm_edw.refill_request row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__refill_request keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'refill_request',
    'key': 'refill_id',
    'columns': [
        'refill_id',
        'patient_id',
        'medication_order_id',
        'pharmacy_id',
        {'name': 'drug_name', 'clean': 'text'},
        'requested_datetime',
        {'name': 'request_source', 'clean': 'code'},
        {'name': 'request_status', 'clean': 'code'},
        'provider_id',
        'reviewed_datetime',
        {'name': 'denial_reason', 'clean': 'text'},
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'medication_order_id', 'model': 'stg_phm_edw__medication_order', 'parent_column': 'medication_order_id'},
        {'column': 'pharmacy_id', 'model': 'stg_phm_edw__pharmacy', 'parent_column': 'pharmacy_id'},
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'requested_datetime', 'when': date_out_of_range('requested_datetime')},
        {'rule': 'invalid_period', 'column': 'reviewed_datetime', 'when': "reviewed_datetime < requested_datetime"}
    ]
} %}

{{ stage_edw_base(table) }}
