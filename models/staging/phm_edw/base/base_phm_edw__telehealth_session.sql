-- base_phm_edw__telehealth_session: every phm_edw.telehealth_session row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__telehealth_session keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'telehealth_session',
    'key': 'session_id',
    'columns': [
        'session_id',
        'appointment_id',
        'patient_id',
        'provider_id',
        {'name': 'session_url', 'clean': 'text'},
        {'name': 'platform', 'clean': 'text'},
        'scheduled_start',
        'actual_start',
        'actual_end',
        'duration_min',
        {'name': 'status', 'clean': 'code', 'as': 'session_status'},
        {'name': 'recording_url', 'clean': 'text'},
        {'name': 'patient_device', 'clean': 'code'},
        {'name': 'connection_quality', 'clean': 'code'},
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'appointment_id', 'model': 'stg_phm_edw__appointment', 'parent_column': 'appointment_id'},
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'actual_start', 'when': date_out_of_range('actual_start')},
        {'rule': 'invalid_period', 'column': 'actual_end', 'when': "actual_end < actual_start"},
        {'rule': 'out_of_range_value', 'column': 'duration_min', 'when': "duration_min < 0"}
    ]
} %}

{{ stage_edw_base(table) }}
