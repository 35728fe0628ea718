-- base_phm_edw__billing_claim: every phm_edw.billing_claim row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__billing_claim keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'billing_claim',
    'key': 'claim_id',
    'natural_key': ['claim_number'],
    'skip_null_natural_key': true,
    'columns': [
        'claim_id',
        'patient_id',
        'encounter_id',
        'payer_id',
        'provider_id',
        {'name': 'claim_number', 'clean': 'code'},
        {'name': 'claim_type', 'clean': 'code'},
        'service_date',
        'submission_date',
        {'name': 'claim_status', 'clean': 'code'},
        'total_charges',
        'allowed_amount',
        'paid_amount',
        'patient_responsibility',
        {'name': 'denial_reason', 'clean': 'text'},
        {'name': 'denial_code', 'clean': 'code'},
        'remittance_date'
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'encounter_id', 'model': 'stg_phm_edw__encounter', 'parent_column': 'encounter_id'},
        {'column': 'payer_id', 'model': 'stg_phm_edw__payer', 'parent_column': 'payer_id'},
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'service_date', 'when': date_out_of_range('service_date')},
        {'rule': 'out_of_range_date', 'column': 'submission_date', 'when': date_out_of_range('submission_date')},
        {'rule': 'out_of_range_date', 'column': 'remittance_date', 'when': date_out_of_range('remittance_date')},
        {'rule': 'invalid_period', 'column': 'submission_date', 'when': "submission_date < service_date"},
        {'rule': 'invalid_period', 'column': 'remittance_date', 'when': "remittance_date < submission_date"},
        {'rule': 'negative_amount', 'column': 'total_charges', 'when': negative_amount('total_charges')},
        {'rule': 'negative_amount', 'column': 'allowed_amount', 'when': negative_amount('allowed_amount')},
        {'rule': 'negative_amount', 'column': 'paid_amount', 'when': negative_amount('paid_amount')},
        {'rule': 'negative_amount', 'column': 'patient_responsibility', 'when': negative_amount('patient_responsibility')}
    ]
} %}

{{ stage_edw_base(table) }}
