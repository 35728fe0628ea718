-- base_phm_edw__provider_schedule: every phm_edw.provider_schedule row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__provider_schedule keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'provider_schedule',
    'key': 'schedule_id',
    'natural_key': ['provider_id', 'org_id', 'day_of_week', 'start_time', 'schedule_type', 'effective_date'],
    'columns': [
        'schedule_id',
        'provider_id',
        'org_id',
        'day_of_week',
        'start_time',
        'end_time',
        'slot_duration_min',
        {'name': 'schedule_type', 'clean': 'code'},
        'effective_date',
        'end_date',
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'},
        {'column': 'org_id', 'model': 'stg_phm_edw__organization', 'parent_column': 'org_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_value', 'column': 'day_of_week', 'when': "day_of_week not between 0 and 6"},
        {'rule': 'out_of_range_value', 'column': 'slot_duration_min', 'when': "slot_duration_min < 1"},
        {'rule': 'invalid_period', 'column': 'end_time', 'when': "end_time <= start_time"},
        {'rule': 'out_of_range_date', 'column': 'effective_date', 'when': date_out_of_range('effective_date', var('scheduling_horizon_days'))},
        {'rule': 'invalid_period', 'column': 'end_date', 'when': "end_date < effective_date"}
    ]
} %}

{{ stage_edw_base(table) }}
