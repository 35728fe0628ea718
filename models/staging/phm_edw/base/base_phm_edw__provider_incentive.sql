-- base_phm_edw__provider_incentive: every phm_edw.provider_incentive row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__provider_incentive keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'provider_incentive',
    'key': 'incentive_id',
    'columns': [
        'incentive_id',
        'provider_id',
        'period_id',
        {'name': 'incentive_type', 'clean': 'code'},
        'base_compensation',
        'incentive_potential',
        'incentive_earned',
        'performance_rate',
        'metrics_summary',
        'payment_date',
        {'name': 'notes', 'clean': 'text'}
    ],
    'parents': [
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'},
        {'column': 'period_id', 'model': 'stg_phm_edw__quality_reporting_period', 'parent_column': 'period_id'}
    ],
    'rules': [
        {'rule': 'negative_amount', 'column': 'base_compensation', 'when': negative_amount('base_compensation')},
        {'rule': 'negative_amount', 'column': 'incentive_potential', 'when': negative_amount('incentive_potential')},
        {'rule': 'negative_amount', 'column': 'incentive_earned', 'when': negative_amount('incentive_earned')},
        {'rule': 'out_of_range_value', 'column': 'performance_rate', 'when': "performance_rate not between 0 and 100"},
        {'rule': 'out_of_range_date', 'column': 'payment_date', 'when': date_out_of_range('payment_date', var('scheduling_horizon_days'))}
    ]
} %}

{{ stage_edw_base(table) }}
