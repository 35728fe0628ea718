{#-
    Incremental event facts: on an incremental run, only source rows created or updated since the
    newest row already loaded, minus var('incremental_lookback_days'), are read; the merge on the
    fact's key updates rows seen again and inserts new ones, so a rerun never duplicates.
    On the first run (or --full-refresh) every row is read.
-#}
{% macro changed_since_last_load(column='source_updated_at') -%}
    {%- if is_incremental() -%}
        {{ column }} >= (
            select coalesce(max(loaded.source_updated_at), cast('1900-01-01' as timestamp))
            from {{ this }} as loaded
        ) - interval '{{ var("incremental_lookback_days") }} days'
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}
