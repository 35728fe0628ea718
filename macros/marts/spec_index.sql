{#-
    An index named as spec part 5 names it (idx_composite_provider, ...), created in a post-hook.
    Index names are unique per schema: while dbt rebuilds a table, the previous copy (renamed
    <table>__dbt_backup, dropped at the end of the model) still holds the index of that name, so it
    is dropped from that copy first. On an incremental run the index already exists and is kept.
    Usage: post_hook=["{{ spec_index('idx_composite_provider', 'provider_key') }}"]
-#}
{% macro spec_index(name, columns, where=none) -%}
do $spec_index$
begin
    if exists (
        select 1 from pg_indexes
        where schemaname = '{{ this.schema }}' and indexname = '{{ name }}' and tablename <> '{{ this.identifier }}'
    ) then
        execute 'drop index {{ this.schema }}.{{ name }}';
    end if;
end
$spec_index$;
create index if not exists {{ name }} on {{ this }} ({{ columns }}){% if where %} where {{ where }}{% endif %}
{%- endmacro %}
