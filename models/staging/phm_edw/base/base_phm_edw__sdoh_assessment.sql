-- base_phm_edw__sdoh_assessment: every phm_edw.sdoh_assessment row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__sdoh_assessment keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'sdoh_assessment_id', 'when': "sdoh_assessment_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'out_of_range_date', 'column': 'assessment_date', 'when': out_of_range_date('assessment_date')},
    {'rule': 'implausible_value', 'column': 'social_isolation_score', 'when': outside_score_scale('social_isolation_score')}
] %}

with source as (
    select * from {{ source('phm_edw', 'sdoh_assessment') }}
),

renamed as (
    select
        sdoh_assessment_id,
        patient_id,
        assessment_date,
        {{ clean_text('housing_status') }} as housing_status,
        {{ yn_to_bool('food_insecurity_ind') }} as has_food_insecurity,
        {{ yn_to_bool('transportation_ind') }} as has_transportation_barrier,
        social_isolation_score,
        {{ clean_text('comments') }} as comments,
        {{ yn_to_bool('active_ind') }} as is_active,
        created_date as created_at,
        updated_date as updated_at,
        coalesce(updated_date, created_date) as source_updated_at,
        md5(cast(source.* as text)) as source_row_hash
    from source
),

checked as (
    select
        renamed.*,
        {{ failed_rule_number(rules) }} as failed_rule_number
    from renamed
    {{- rule_parents(rules) }}
),

key_ranked as (
    select
        checked.*,
        case
            when failed_rule_number is null
                then row_number() over (
                        partition by (failed_rule_number is null), sdoh_assessment_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

record_ranked as (
    select
        key_ranked.*,
        case
            when key_rank = 1
                then row_number() over (
                        partition by (key_rank = 1), patient_id, assessment_date
                        order by source_updated_at desc nulls last, sdoh_assessment_id asc
                    )
        end as record_rank
    from key_ranked
),

final as (
    select
        sdoh_assessment_id,
        patient_id,
        assessment_date,
        housing_status,
        has_food_insecurity,
        has_transportation_barrier,
        social_isolation_score,
        comments,
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'sdoh_assessment_id', 'patient_id') }}
    from record_ranked
)

select * from final
