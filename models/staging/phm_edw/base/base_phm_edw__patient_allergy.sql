-- base_phm_edw__patient_allergy: every phm_edw.patient_allergy row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__patient_allergy keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'patient_allergy_id', 'when': "patient_allergy_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'allergy_id', 'when': orphan('renamed.allergy_id', 'stg_phm_edw__allergy', 'allergy_id')},
    {'rule': 'out_of_range_date', 'column': 'onset_date', 'when': out_of_range_date('onset_date')}
] %}

with source as (
    select * from {{ source('phm_edw', 'patient_allergy') }}
),

renamed as (
    select
        patient_allergy_id,
        patient_id,
        allergy_id,
        {{ clean_text('reaction') }} as reaction,
        upper({{ clean_text('severity') }}) as severity,
        onset_date,
        end_date,
        upper({{ clean_text('status') }}) as status,
        {{ yn_to_bool('active_ind') }} as is_active,
        effective_start_date,
        effective_end_date,
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
                        partition by (failed_rule_number is null), patient_allergy_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        patient_allergy_id,
        patient_id,
        allergy_id,
        reaction,
        severity,
        onset_date,
        end_date,
        status,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'patient_allergy_id') }}
    from key_ranked
)

select * from final
