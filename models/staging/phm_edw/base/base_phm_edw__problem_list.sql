-- base_phm_edw__problem_list: every phm_edw.problem_list row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__problem_list keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'problem_list',
    'key': 'problem_id',
    'natural_key': ['patient_id', 'problem_name', 'icd10_code', 'onset_date'],
    'columns': [
        'problem_id',
        'patient_id',
        'condition_id',
        {'name': 'problem_name', 'clean': 'text'},
        {'name': 'icd10_code', 'clean': 'icd10'},
        'onset_date',
        'resolved_date',
        {'name': 'problem_status', 'clean': 'code'},
        {'name': 'problem_type', 'clean': 'code'},
        {'name': 'severity', 'clean': 'code'},
        'provider_id',
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'condition_id', 'model': 'stg_phm_edw__condition', 'parent_column': 'condition_id'},
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'malformed_code', 'column': 'icd10_code', 'when': icd10cm_malformed('icd10_code')},
        {'rule': 'out_of_range_date', 'column': 'onset_date', 'when': date_out_of_range('onset_date')},
        {'rule': 'out_of_range_date', 'column': 'resolved_date', 'when': date_out_of_range('resolved_date')},
        {'rule': 'invalid_period', 'column': 'resolved_date', 'when': "resolved_date < onset_date"}
    ]
} %}

{{ stage_edw_base(table) }}
