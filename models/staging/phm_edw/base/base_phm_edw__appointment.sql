-- base_phm_edw__appointment: every phm_edw.appointment row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__appointment keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'appointment',
    'key': 'appointment_id',
    'columns': [
        'appointment_id',
        'patient_id',
        'provider_id',
        'org_id',
        'encounter_id',
        'resource_id',
        'appointment_date',
        'start_time',
        'end_time',
        {'name': 'appointment_type', 'clean': 'code'},
        {'name': 'chief_complaint', 'clean': 'text'},
        {'name': 'visit_reason', 'clean': 'text'},
        {'name': 'status', 'clean': 'code', 'as': 'appointment_status'},
        'check_in_time',
        'rooming_time',
        'visit_start_time',
        'visit_end_time',
        'is_telehealth',
        {'name': 'telehealth_url', 'clean': 'text'},
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'},
        {'column': 'org_id', 'model': 'stg_phm_edw__organization', 'parent_column': 'org_id'},
        {'column': 'encounter_id', 'model': 'stg_phm_edw__encounter', 'parent_column': 'encounter_id'},
        {'column': 'resource_id', 'model': 'stg_phm_edw__clinic_resource', 'parent_column': 'resource_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'appointment_date', 'when': date_out_of_range('appointment_date', var('scheduling_horizon_days'))},
        {'rule': 'invalid_period', 'column': 'end_time', 'when': "end_time < start_time"},
        {'rule': 'invalid_period', 'column': 'visit_end_time', 'when': "visit_end_time < visit_start_time"},
        {'rule': 'out_of_range_date', 'column': 'check_in_time', 'when': date_out_of_range('check_in_time')}
    ]
} %}

{{ stage_edw_base(table) }}
