-- base_phm_edw__pharmacy: every phm_edw.pharmacy row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__pharmacy keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'pharmacy',
    'key': 'pharmacy_id',
    'natural_key': ['ncpdp_id'],
    'skip_null_natural_key': true,
    'columns': [
        'pharmacy_id',
        {'name': 'pharmacy_name', 'clean': 'text'},
        {'name': 'ncpdp_id', 'clean': 'text'},
        {'name': 'address', 'clean': 'text'},
        {'name': 'city', 'clean': 'text'},
        {'name': 'state', 'clean': 'code'},
        {'name': 'zip', 'clean': 'text'},
        {'name': 'phone', 'clean': 'text'},
        {'name': 'fax', 'clean': 'text'},
        {'name': 'pharmacy_type', 'clean': 'code'},
        'accepts_erx'
    ],
    'parents': [
    ],
    'rules': [
        {'rule': 'malformed_code', 'column': 'ncpdp_id', 'when': ncpdp_malformed('ncpdp_id')}
    ]
} %}

{{ stage_edw_base(table) }}
