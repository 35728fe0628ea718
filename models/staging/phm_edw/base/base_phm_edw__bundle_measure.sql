-- base_phm_edw__bundle_measure: every phm_edw.bundle_measure row, cleaned,
-- with the first rule it breaks (NULL when none).
-- stg_phm_edw__bundle_measure keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'bundle_measure_id', 'when': "bundle_measure_id is null"},
    {'rule': 'orphan_fk', 'column': 'bundle_id', 'when': orphan('renamed.bundle_id', 'stg_phm_edw__condition_bundle', 'bundle_id')},
    {'rule': 'orphan_fk', 'column': 'measure_id', 'when': orphan('renamed.measure_id', 'stg_phm_edw__measure_definition', 'measure_id')}
] %}

with source as (
    select * from {{ source('phm_edw', 'bundle_measure') }}
),

renamed as (
    select
        bundle_measure_id,
        bundle_id,
        measure_id,
        ordinal,
        {{ clean_text('frequency') }} as frequency,
        {{ clean_text('ecqm_reference') }} as ecqm_reference,
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
                        partition by (failed_rule_number is null), bundle_measure_id
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
                        partition by (key_rank = 1), bundle_id, measure_id
                        order by source_updated_at desc nulls last, bundle_measure_id asc
                    )
        end as record_rank
    from key_ranked
),

final as (
    select
        bundle_measure_id,
        bundle_id,
        measure_id,
        ordinal,
        frequency,
        ecqm_reference,
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, 'bundle_measure_id', 'bundle_id') }}
    from record_ranked
)

select * from final
