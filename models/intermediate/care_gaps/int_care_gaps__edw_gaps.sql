-- int_care_gaps__edw_gaps: the EDW's own latest care_gap row per patient x measure code.
-- Measure codes are per bundle (DM-05 belongs to DM2 only), so the code also fixes the bundle.
with care_gaps as (
    select * from {{ ref('stg_phm_edw__care_gap') }}
),

measure_definitions as (
    select * from {{ ref('stg_phm_edw__measure_definition') }}
),

ranked as (
    select
        care_gaps.patient_id,
        measure_definitions.measure_code,
        care_gaps.care_gap_id,
        care_gaps.gap_status,
        care_gaps.identified_date,
        care_gaps.resolved_date,
        care_gaps.due_date,
        row_number() over (
            partition by care_gaps.patient_id, measure_definitions.measure_code
            order by care_gaps.identified_date desc, care_gaps.care_gap_id desc
        ) as recency
    from care_gaps
    inner join measure_definitions
        on care_gaps.measure_id = measure_definitions.measure_id
    where care_gaps.is_active
),

final as (
    select
        patient_id,
        measure_code,
        care_gap_id,
        gap_status,
        identified_date,
        resolved_date,
        due_date
    from ranked
    where recency = 1
)

select * from final
