-- base_phm_edw__e_prescription: every phm_edw.e_prescription row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__e_prescription keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'e_prescription',
    'key': 'erx_id',
    'natural_key': ['patient_id', 'prescriber_id', 'drug_name', 'sent_datetime'],
    'skip_null_natural_key': true,
    'columns': [
        'erx_id',
        'medication_order_id',
        'patient_id',
        'prescriber_id',
        'pharmacy_id',
        {'name': 'drug_name', 'clean': 'text'},
        {'name': 'ndc_code', 'clean': 'text'},
        {'name': 'ndc_code', 'as': 'ndc_11', 'sql': ndc_11(clean_text('source.ndc_code'))},
        {'name': 'sig', 'clean': 'text'},
        {'name': 'quantity', 'clean': 'text'},
        'days_supply',
        'refills_authorized',
        'is_controlled',
        {'name': 'dea_schedule', 'clean': 'code'},
        {'name': 'transmission_status', 'clean': 'code'},
        'sent_datetime',
        'filled_datetime',
        'prior_auth_required',
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'medication_order_id', 'model': 'stg_phm_edw__medication_order', 'parent_column': 'medication_order_id'},
        {'column': 'patient_id', 'model': 'stg_phm_edw__patient', 'parent_column': 'patient_id'},
        {'column': 'prescriber_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'},
        {'column': 'pharmacy_id', 'model': 'stg_phm_edw__pharmacy', 'parent_column': 'pharmacy_id'}
    ],
    'rules': [
        {'rule': 'malformed_code', 'column': 'ndc_code', 'when': ndc_malformed('ndc_code')},
        {'rule': 'out_of_range_value', 'column': 'days_supply', 'when': "days_supply not between 1 and 365"},
        {'rule': 'out_of_range_value', 'column': 'refills_authorized', 'when': "refills_authorized not between 0 and 99"},
        {'rule': 'out_of_range_date', 'column': 'sent_datetime', 'when': date_out_of_range('sent_datetime')},
        {'rule': 'out_of_range_date', 'column': 'filled_datetime', 'when': date_out_of_range('filled_datetime')},
        {'rule': 'invalid_period', 'column': 'filled_datetime', 'when': "filled_datetime < sent_datetime"}
    ]
} %}

{{ stage_edw_base(table) }}
