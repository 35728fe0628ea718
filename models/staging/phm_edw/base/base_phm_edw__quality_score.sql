-- base_phm_edw__quality_score: every phm_edw.quality_score row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__quality_score keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
-- The declaration is read by stage_edw_base (macros/staging/stage_edw.sql).
{% set table = {
    'name': 'quality_score',
    'key': 'score_id',
    'natural_key': ['provider_id', 'period_id', 'measure_id'],
    'skip_null_natural_key': true,
    'columns': [
        'score_id',
        'provider_id',
        'period_id',
        'measure_id',
        'bundle_id',
        'numerator_count',
        'denominator_count',
        'performance_rate',
        'performance_score',
        'benchmark_percentile',
        'mips_points_earned'
    ],
    'parents': [
        {'column': 'provider_id', 'model': 'stg_phm_edw__provider', 'parent_column': 'provider_id'},
        {'column': 'period_id', 'model': 'stg_phm_edw__quality_reporting_period', 'parent_column': 'period_id'},
        {'column': 'measure_id', 'model': 'stg_phm_edw__measure_definition', 'parent_column': 'measure_id'},
        {'column': 'bundle_id', 'model': 'stg_phm_edw__condition_bundle', 'parent_column': 'bundle_id'}
    ],
    'rules': [
        {'rule': 'out_of_range_value', 'column': 'denominator_count', 'when': "denominator_count < 0"},
        {'rule': 'out_of_range_value', 'column': 'numerator_count', 'when': "numerator_count not between 0 and denominator_count"},
        {'rule': 'out_of_range_value', 'column': 'benchmark_percentile', 'when': "benchmark_percentile not between 0 and 100"},
        {'rule': 'out_of_range_value', 'column': 'mips_points_earned', 'when': "mips_points_earned < 0"}
    ]
} %}

{{ stage_edw_base(table) }}
