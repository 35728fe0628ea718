-- stg_phm_edw__observation: one row per kept phm_edw.observation row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__observation') }}
),

final as (
    select
        observation_id,
        patient_id,
        encounter_id,
        provider_id,
        observation_datetime,
        observation_code,
        observation_desc,
        value_numeric,
        value_text,
        units,
        reference_range,
        abnormal_flag,
        status,
        comments,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
