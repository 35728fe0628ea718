-- base_phm_edw__payment: every phm_edw.payment row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__payment keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'payment',
    'key': 'payment_id',
    'columns': [
        'payment_id',
        'claim_id',
        'patient_id',
        'payer_id',
        'payment_date',
        {'name': 'payment_type', 'clean': 'code'},
        {'name': 'payment_method', 'clean': 'code'},
        'payment_amount',
        {'name': 'check_number', 'clean': 'text'},
        {'name': 'eob_number', 'clean': 'text'},
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'claim_id', 'model': 'stg_phm_edw__billing_claim', 'parent_column': 'claim_id'},
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'payer_id', 'model': 'stg_phm_edw__payer', 'parent_column': 'payer_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'payment_date', 'when': date_out_of_range('payment_date')},
        {'rule': 'negative_amount', 'column': 'payment_amount', 'when': "payment_amount < 0 and coalesce(payment_type, '') not in " ~ var_in_list('adjustment_payment_types')}
    ]
} %}

{{ stage_edw_base(table) }}
