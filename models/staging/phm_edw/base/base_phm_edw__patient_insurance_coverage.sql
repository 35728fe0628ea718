-- base_phm_edw__patient_insurance_coverage: every phm_edw.patient_insurance_coverage row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__patient_insurance_coverage keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'coverage_id', 'when': "coverage_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'payer_id', 'when': orphan('renamed.payer_id', 'stg_phm_edw__payer', 'payer_id')},
    {'rule': 'invalid_period', 'column': 'coverage_end_date', 'when': "coverage_end_date < coverage_start_date"},
    {'rule': 'out_of_range_date', 'column': 'coverage_start_date', 'when': out_of_range_date('coverage_start_date')}
] %}

with source as (
    select * from {{ source('phm_edw', 'patient_insurance_coverage') }}
),

renamed as (
    select
        coverage_id,
        patient_id,
        payer_id,
        {{ clean_text('policy_number') }} as policy_number,
        coverage_start_date,
        coverage_end_date,
        {{ yn_to_bool('primary_indicator') }} as is_primary,
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
                        partition by (failed_rule_number is null), coverage_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        coverage_id,
        patient_id,
        payer_id,
        policy_number,
        coverage_start_date,
        coverage_end_date,
        is_primary,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'coverage_id') }}
    from key_ranked
)

select * from final
