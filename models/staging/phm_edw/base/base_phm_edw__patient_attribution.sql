-- base_phm_edw__patient_attribution: every phm_edw.patient_attribution row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__patient_attribution keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'attribution_id', 'when': "attribution_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'provider_id', 'when': orphan('renamed.provider_id', 'stg_phm_edw__provider', 'provider_id')},
    {'rule': 'orphan_fk', 'column': 'org_id', 'when': orphan('renamed.org_id', 'stg_phm_edw__organization', 'org_id')},
    {'rule': 'out_of_range_date', 'column': 'attribution_start_date', 'when': out_of_range_date('attribution_start_date')}
] %}

with source as (
    select * from {{ source('phm_edw', 'patient_attribution') }}
),

renamed as (
    select
        attribution_id,
        patient_id,
        provider_id,
        org_id,
        {{ clean_text('program_name') }} as program_name,
        attribution_start_date,
        attribution_end_date,
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
                        partition by (failed_rule_number is null), attribution_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        attribution_id,
        patient_id,
        provider_id,
        org_id,
        program_name,
        attribution_start_date,
        attribution_end_date,
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'attribution_id') }}
    from key_ranked
)

select * from final
