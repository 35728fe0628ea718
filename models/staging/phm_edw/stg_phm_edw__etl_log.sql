-- stg_phm_edw__etl_log: one row per kept phm_edw.etl_log row, typed and cleaned.
-- Rows that break a staging rule are in stg_phm_edw__rejects instead.
with base as (
    select * from {{ ref('base_phm_edw__etl_log') }}
),

final as (
    select
        etl_log_id,
        source_system,
        load_start_timestamp,
        load_end_timestamp,
        rows_inserted,
        rows_updated,
        load_status,
        error_message,
        created_at,
        source_updated_at
    from base
    where reject_rule is null
)

select * from final
