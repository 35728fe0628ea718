-- base_phm_edw__quality_reporting_period: every phm_edw.quality_reporting_period row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__quality_reporting_period keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'quality_reporting_period',
    'key': 'period_id',
    'natural_key': ['program', 'period_type', 'start_date'],
    'columns': [
        'period_id',
        {'name': 'period_name', 'clean': 'text'},
        {'name': 'period_type', 'clean': 'code'},
        'start_date',
        'end_date',
        'reporting_year',
        'reporting_quarter',
        {'name': 'program', 'clean': 'code'}
    ],
    'parents': [
    ],
    'rules': [
        {'rule': 'out_of_range_date', 'column': 'start_date', 'when': date_out_of_range('start_date', var('scheduling_horizon_days'))},
        {'rule': 'invalid_period', 'column': 'end_date', 'when': "end_date < start_date"},
        {'rule': 'out_of_range_value', 'column': 'reporting_quarter', 'when': "reporting_quarter not between 1 and 4"}
    ]
} %}

{{ stage_edw_base(table) }}
