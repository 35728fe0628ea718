-- base_phm_edw__procedure: every phm_edw.procedure row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__procedure keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'procedure_id', 'when': "procedure_id is null"},
    {'rule': 'null_code', 'column': 'procedure_code', 'when': "procedure_code is null"},
    {'rule': 'malformed_code', 'column': 'procedure_code', 'when': "code_system in ('CPT', 'CPT-4', 'HCPCS') and " ~ malformed('procedure_code', 'cpt_hcpcs_pattern')}
] %}

with source as (
    select * from {{ source('phm_edw', 'procedure') }}
),

renamed as (
    select
        procedure_id,
        {{ clean_code('procedure_code') }} as procedure_code,
        {{ clean_text('procedure_desc') }} as procedure_desc,
        upper({{ clean_text('code_system') }}) as code_system,
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
                        partition by (failed_rule_number is null), procedure_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        procedure_id,
        procedure_code,
        procedure_desc,
        code_system,
        is_active,
        effective_start_date,
        effective_end_date,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'procedure_id') }}
    from key_ranked
)

select * from final
