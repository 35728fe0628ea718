{#-
    Incremental event facts: on an incremental run, only source rows created or updated since the
    newest row already loaded, minus var('incremental_lookback_days'), are read; the merge on the
    fact's key updates rows seen again and inserts new ones, so a rerun never duplicates.
    With id_column, rows already loaded with the same source_updated_at are skipped as well, so a
    rerun with no source change writes nothing; the caller aliases its source relation `source_rows`.
    On the first run (or --full-refresh) every row is read.
-#}
{% macro changed_since_last_load(column='source_updated_at', id_column=none) -%}
    {%- if is_incremental() -%}
        {{ column }} >= (
            select coalesce(max(loaded.source_updated_at), cast('1900-01-01' as timestamp))
            from {{ this }} as loaded
        ) - interval '{{ var("incremental_lookback_days") }} days'
        {%- if id_column %}
        and not exists (
            select 1
            from {{ this }} as unchanged
            where
                unchanged.{{ id_column }} = source_rows.{{ id_column }}
                and unchanged.source_updated_at = source_rows.{{ column }}
        )
        {%- endif %}
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
