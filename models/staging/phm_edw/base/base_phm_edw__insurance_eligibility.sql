-- base_phm_edw__insurance_eligibility: every phm_edw.insurance_eligibility row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__insurance_eligibility keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'insurance_eligibility',
    'key': 'eligibility_id',
    'columns': [
        'eligibility_id',
        'patient_id',
        'payer_id',
        'checked_datetime',
        'appointment_id',
        {'name': 'eligibility_status', 'clean': 'code'},
        'coverage_start',
        'coverage_end',
        'copay_amount',
        'deductible_remaining',
        'out_of_pocket_max',
        {'name': 'response_code', 'clean': 'code'},
        {'name': 'response_message', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'payer_id', 'model': 'stg_phm_edw__payer', 'parent_column': 'payer_id'},
        {'column': 'appointment_id', 'model': 'stg_phm_edw__appointment', 'parent_column': 'appointment_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'checked_datetime', 'when': date_out_of_range('checked_datetime')},
        {'rule': 'invalid_period', 'column': 'coverage_end', 'when': "coverage_end < coverage_start"},
        {'rule': 'negative_amount', 'column': 'copay_amount', 'when': negative_amount('copay_amount')},
        {'rule': 'negative_amount', 'column': 'deductible_remaining', 'when': negative_amount('deductible_remaining')},
        {'rule': 'negative_amount', 'column': 'out_of_pocket_max', 'when': negative_amount('out_of_pocket_max')}
    ]
} %}

{{ stage_edw_base(table) }}
