-- base_phm_edw__prior_authorization: every phm_edw.prior_authorization row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__prior_authorization keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'prior_authorization',
    'key': 'auth_id',
    'columns': [
        'auth_id',
        'patient_id',
        'payer_id',
        'order_id',
        'referral_id',
        {'name': 'service_type', 'clean': 'code'},
        {'name': 'service_description', 'clean': 'text'},
        {'name': 'cpt_code', 'clean': 'code'},
        {'name': 'icd10_code', 'clean': 'icd10'},
        'requested_datetime',
        {'name': 'auth_status', 'clean': 'code'},
        {'name': 'auth_number', 'clean': 'text'},
        'approved_units',
        'approved_from',
        'approved_to',
        {'name': 'denial_reason', 'clean': 'text'},
        'submitted_by'
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'payer_id', 'model': 'stg_phm_edw__payer', 'parent_column': 'payer_id'},
        {'column': 'submitted_by', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'malformed_code', 'column': 'cpt_code', 'when': cpt_hcpcs_malformed('cpt_code')},
        {'rule': 'malformed_code', 'column': 'icd10_code', 'when': icd10cm_malformed('icd10_code')},
        {'rule': 'out_of_range_date', 'column': 'requested_datetime', 'when': date_out_of_range('requested_datetime')},
        {'rule': 'out_of_range_date', 'column': 'approved_from', 'when': date_out_of_range('approved_from', var('scheduling_horizon_days'))},
        {'rule': 'invalid_period', 'column': 'approved_to', 'when': "approved_to < approved_from"},
        {'rule': 'out_of_range_value', 'column': 'approved_units', 'when': "approved_units < 0"}
    ]
} %}

{{ stage_edw_base(table) }}
