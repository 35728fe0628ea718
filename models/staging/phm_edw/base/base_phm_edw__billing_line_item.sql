-- base_phm_edw__billing_line_item: every phm_edw.billing_line_item row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__billing_line_item keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'billing_line_item',
    'key': 'line_item_id',
    'columns': [
        'line_item_id',
        'claim_id',
        {'name': 'cpt_code', 'clean': 'code'},
        {'name': 'cpt_description', 'clean': 'text'},
        {'name': 'modifier', 'clean': 'code'},
        {'name': 'icd10_pointer_1', 'clean': 'icd10'},
        'units',
        'charge_amount',
        'allowed_amount',
        'paid_amount',
        {'name': 'line_status', 'clean': 'code'}
    ],
    'parents': [
        {'column': 'claim_id', 'model': 'stg_phm_edw__billing_claim', 'parent_column': 'claim_id'}
    ],
    'rules': [
        {'rule': 'null_code', 'column': 'cpt_code', 'when': "cpt_code is null"},
        {'rule': 'malformed_code', 'column': 'cpt_code', 'when': cpt_hcpcs_malformed('cpt_code')},
        {'rule': 'malformed_code', 'column': 'modifier', 'when': modifier_malformed('modifier')},
        {'rule': 'malformed_code', 'column': 'icd10_pointer_1', 'when': icd10_pointer_malformed('icd10_pointer_1')},
        {'rule': 'out_of_range_value', 'column': 'units', 'when': "units < 1"},
        {'rule': 'negative_amount', 'column': 'charge_amount', 'when': negative_amount('charge_amount')},
        {'rule': 'negative_amount', 'column': 'allowed_amount', 'when': negative_amount('allowed_amount')},
        {'rule': 'negative_amount', 'column': 'paid_amount', 'when': negative_amount('paid_amount')}
    ]
} %}

{{ stage_edw_base(table) }}
