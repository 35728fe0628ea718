-- base_phm_edw__bundle_overlap_rule: every phm_edw.bundle_overlap_rule row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__bundle_overlap_rule keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'overlap_rule_id', 'when': "overlap_rule_id is null"},
    {'rule': 'null_code', 'column': 'rule_code', 'when': "rule_code is null"}
] %}

with source as (
    select * from {{ source('phm_edw', 'bundle_overlap_rule') }}
),

renamed as (
    select
        overlap_rule_id,
        {{ clean_code('rule_code') }} as rule_code,
        {{ clean_text('shared_domain') }} as shared_domain,
        {{ clean_text('applicable_bundles') }} as applicable_bundles,
        {{ clean_code('canonical_measure_code') }} as canonical_measure_code,
        {{ clean_text('dedup_rule') }} as dedup_rule,
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
                        partition by (failed_rule_number is null), overlap_rule_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        overlap_rule_id,
        rule_code,
        shared_domain,
        applicable_bundles,
        canonical_measure_code,
        dedup_rule,
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'overlap_rule_id') }}
    from key_ranked
)

select * from final
