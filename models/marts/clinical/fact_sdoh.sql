-- fact_sdoh: one row per EDW social-determinants assessment (spec 2.9); incremental.
{{ config(
    materialized='incremental',
    unique_key='sdoh_key',
    incremental_strategy='merge',
    on_schema_change='append_new_columns',
    post_hook=["{{ delete_retracted('stg_phm_edw__sdoh_assessment', 'sdoh_assessment_id') }}"],
    indexes=[{'columns': ['patient_key']}]
) }}

with assessments as (
    select * from {{ ref('stg_phm_edw__sdoh_assessment') }} as source_rows
    where {{ changed_since_last_load(id_column='sdoh_assessment_id') }}
),

patients as (
    select * from {{ ref('dim_patient') }}
    where is_current
),

final as (
    select
        cast(assessments.sdoh_assessment_id as bigint) as sdoh_key,
        assessments.sdoh_assessment_id,
        patients.patient_key,
        {{ date_key('assessments.assessment_date') }} as date_key_assessment,
        cast(assessments.housing_status as varchar(100)) as housing_status,
        assessments.has_food_insecurity as food_insecurity,
        assessments.has_transportation_barrier as transportation_barrier,
        cast(assessments.social_isolation_score as smallint) as social_isolation_score,
        {{ is_unstable_housing('assessments.housing_status') }} as housing_instability,
        assessments.assessment_date,
        assessments.is_active,
        assessments.source_updated_at
    from assessments
    inner join patients
        on assessments.patient_id = patients.patient_id
)

select * from final
