-- Issue 13, 3.3: a measure with a qualitative target (accepted text results) is never Closed on a result
-- whose text is not accepted and whose number is at or above the measure's upper bound (HCV-05: a
-- detectable viral load).
with details as (
    select * from {{ ref('fact_patient_bundle_detail') }}
),

dim_measures as (
    select * from {{ ref('dim_measure') }}
),

measures as (
    select * from {{ ref('measures') }}
)

select
    details.detail_key,
    measures.measure_code,
    details.last_result_value,
    details.last_result_text
from details
inner join dim_measures
    on details.measure_key = dim_measures.measure_key
inner join measures
    on dim_measures.measure_code = measures.measure_code
where
    details.gap_status = 'Closed'
    and measures.accepted_text_results is not null
    and coalesce(details.last_result_text, '') <> all(string_to_array(measures.accepted_text_results, '|'))
    and details.last_result_value >= measures.target_value_high
