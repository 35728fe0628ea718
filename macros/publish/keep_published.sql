{#-
    Readers across a publish (issue 14, section 5). A REPEATABLE READ transaction (an extract, a
    BI tool's long export) that spans a publish resolves `phm_star.<table>` to the new tables,
    created after its snapshot, and sees them empty. So every publish also gets a stable name:
    the schema `<star_publish_schema>_v<N>` (phm_star_v1, phm_star_v2, ...), N counting publishes,
    with one view per published relation. A view is bound to its table, not to its name, so the
    schema keeps showing build N after later swaps rename the schemas around it. A reader pins a
    build by reading the newest `phm_audit.publish_log.version_schema` first in its transaction,
    then reading that schema only.

    var star_keep_publishes (K) is how many publishes before the current one keep their schema;
    older ones are dropped at each publish. K is 0 or 1: after a swap the previous build sits in
    the build schema, and the next build rewrites it (dbt drops a rebuilt table with cascade,
    which removes the views on it, and merges into the incremental facts). So build N stays
    readable and unchanged under its name through the next publish and until the build after that
    starts. Keeping more would need a copy of the incremental facts at every publish.
-#}
{% macro keep_published_version(publish_schema) %}
    {%- set keep = var('star_keep_publishes', 1) | int -%}
    {%- if keep not in (0, 1) -%}
        {{ exceptions.raise_compiler_error("var star_keep_publishes must be 0 or 1 (see macros/publish/keep_published.sql), not " ~ keep) }}
    {%- endif -%}
    {%- set version = run_query(
        "select coalesce(max(cast(substr(nspname, " ~ (publish_schema | length + 3) ~ ") as integer)), 0) + 1 "
        ~ "from pg_namespace where nspname ~ '^" ~ publish_schema ~ "_v[0-9]+$'").columns[0].values()[0] | int -%}
    {%- set version_schema = publish_schema ~ '_v' ~ version -%}
    {%- set relations = run_query(
        "select c.relname from pg_class as c inner join pg_namespace as n on c.relnamespace = n.oid "
        ~ "where n.nspname = '" ~ publish_schema ~ "' and c.relkind in ('r', 'p', 'm', 'v') order by 1").columns[0].values() -%}
    {%- set stale = run_query(
        "select nspname from pg_namespace where nspname ~ '^" ~ publish_schema ~ "_v[0-9]+$' "
        ~ "and cast(substr(nspname, " ~ (publish_schema | length + 3) ~ ") as integer) < " ~ (version - keep)).columns[0].values() -%}
    {%- call statement('star_keep_published_version') -%}
        create schema {{ adapter.quote(version_schema) }};
        {% for name in relations -%}
        create view {{ adapter.quote(version_schema) }}.{{ adapter.quote(name) }} as
            select * from {{ adapter.quote(publish_schema) }}.{{ adapter.quote(name) }};
        {% endfor -%}
        {% for name in stale -%}
        -- a reader still pinned on an expired build keeps it one more publish rather than delay this one
        do $drop_expired$
        begin
            perform set_config('lock_timeout', '2s', true);
            drop schema {{ adapter.quote(name) }} cascade;
        exception when lock_not_available then
            raise notice 'publish: % is still read; it is dropped at a later publish', '{{ name }}';
        end
        $drop_expired$;
        {% endfor -%}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ log("publish: this build is also " ~ version_schema ~ " (views), for readers that pin one build", info=true) }}
    {{ return(version_schema) }}
{% endmacro %}

{#-
    Add a column to an audit table created by an older version, without `alter table ... add column
    if not exists`, which takes an ACCESS EXCLUSIVE lock even when the column is there and so would
    wait behind any reader of the table (a pinned REPEATABLE READ reader reads publish_log first).
-#}
{% macro add_column_if_missing(schema, table, column, data_type) -%}
    do $add_column$
    begin
        if not exists (
            select 1 from information_schema.columns
            where table_schema = '{{ schema }}' and table_name = '{{ table }}' and column_name = '{{ column }}'
        ) then
            alter table {{ schema }}.{{ table }} add column {{ column }} {{ data_type }};
        end if;
    end
    $add_column$;
{%- endmacro %}
