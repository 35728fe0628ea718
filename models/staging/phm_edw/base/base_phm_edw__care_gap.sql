-- base_phm_edw__care_gap: every phm_edw.care_gap row, cleaned,
-- with the first rule it breaks (NULL when none). The status is normalised here through seeds/reference/value_map.csv.
-- stg_phm_edw__care_gap keeps the clean rows; stg_phm_edw__rejects keeps the others with the reason.
{% set rules = [
    {'rule': 'null_key', 'column': 'care_gap_id', 'when': "care_gap_id is null"},
    {'rule': 'orphan_fk', 'column': 'patient_id', 'when': orphan('renamed.patient_id', 'stg_phm_edw__patient', 'patient_id')},
    {'rule': 'orphan_fk', 'column': 'measure_id', 'when': orphan('renamed.measure_id', 'stg_phm_edw__measure_definition', 'measure_id')},
    {'rule': 'orphan_fk', 'column': 'bundle_id', 'when': orphan('renamed.bundle_id', 'stg_phm_edw__condition_bundle', 'bundle_id')},
    {'rule': 'invalid_value', 'column': 'gap_status_as_received', 'when': "gap_status is null or gap_status = 'UNMAPPED'"},
    {'rule': 'out_of_range_date', 'column': 'identified_date', 'when': out_of_range_date('identified_date')},
    {'rule': 'invalid_period', 'column': 'resolved_date', 'when': "resolved_date < identified_date"}
] %}

with source as (
    select * from {{ source('phm_edw', 'care_gap') }}
),

value_map as (
    select * from {{ ref('value_map') }}
),

renamed as (
    select
        source.care_gap_id,
        source.patient_id,
        source.measure_id,
        -- the status decides whether a gap is open, so a spelling the value map does not know is rejected
        -- (invalid_value, as received), not kept as UNMAPPED: add the spelling to value_map to accept it
        {{ mapped_value('upper(trim(source.gap_status))', 'care_gap_status_map') }} as gap_status,
        source.gap_status as gap_status_as_received,
        source.identified_date,
        source.resolved_date,
        {{ clean_text('source.comments') }} as comments,
        {{ yn_to_bool('source.active_ind') }} as is_active,
        source.created_date as created_at,
        source.updated_date as updated_at,
        source.bundle_id,
        source.due_date,
        upper({{ clean_text('source.gap_priority') }}) as gap_priority,
        coalesce(source.updated_date, source.created_date) as source_updated_at,
        md5(cast(source.* as text)) as source_row_hash
    from source
    {{ value_map_join('care_gap_status', 'upper(trim(source.gap_status))', 'care_gap_status_map') }}
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
                        partition by (failed_rule_number is null), care_gap_id
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),

final as (
    select
        care_gap_id,
        patient_id,
        measure_id,
        gap_status,
        gap_status_as_received,
        identified_date,
        resolved_date,
        comments,
        is_active,
        created_at,
        updated_at,
        bundle_id,
        due_date,
        gap_priority,
        source_updated_at,
        {{ reject_outputs(rules, 'care_gap_id') }}
    from key_ranked
)

select * from final
