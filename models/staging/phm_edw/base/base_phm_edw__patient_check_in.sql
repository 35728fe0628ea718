-- base_phm_edw__patient_check_in: every phm_edw.patient_check_in row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__patient_check_in keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'patient_check_in',
    'key': 'check_in_id',
    'natural_key': ['appointment_id', 'check_in_timestamp'],
    'columns': [
        'check_in_id',
        'appointment_id',
        'patient_id',
        'check_in_timestamp',
        {'name': 'check_in_method', 'clean': 'code'},
        'copay_amount',
        'copay_collected',
        'insurance_verified',
        'id_verified',
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'appointment_id', 'model': 'stg_phm_edw__appointment', 'parent_column': 'appointment_id'},
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'check_in_timestamp', 'when': date_out_of_range('check_in_timestamp')},
        {'rule': 'negative_amount', 'column': 'copay_amount', 'when': negative_amount('copay_amount')}
    ]
} %}

{{ stage_edw_base(table) }}
