-- base_phm_edw__clinic_resource: every phm_edw.clinic_resource row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__clinic_resource keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'clinic_resource',
    'key': 'resource_id',
    'columns': [
        'resource_id',
        'org_id',
        {'name': 'resource_name', 'clean': 'text'},
        {'name': 'resource_type', 'clean': 'code'},
        'capacity',
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'org_id', 'model': 'stg_phm_edw__organization', 'parent_column': 'org_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_value', 'column': 'capacity', 'when': "capacity < 1"}
    ]
} %}

{{ stage_edw_base(table) }}
