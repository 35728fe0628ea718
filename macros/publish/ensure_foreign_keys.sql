{#-
    The spec's foreign keys in the star (issue 13, section 5). They are declared once, as named
    model-level constraints in the marts' contracts, and dbt creates them with each table it builds.
    A table dbt rebuilds is dropped with `drop ... cascade`, which also drops the foreign keys other,
    incremental tables hold on it (fact_care_gap on dim_provider, say). So before the build schema is
    published, every declared foreign key missing from it is added back, validated, under its declared
    name. Tables and their constraints keep both through the schema rename of the publish swap.
-#}
{% macro star_ensure_foreign_keys(build_schema) %}
    {%- set present_rows = run_query(
        "select t.relname || '.' || c.conname from pg_constraint as c"
        ~ " inner join pg_class as t on c.conrelid = t.oid"
        ~ " inner join pg_namespace as n on t.relnamespace = n.oid"
        ~ " where c.contype = 'f' and n.nspname = '" ~ build_schema ~ "'"
    ) -%}
    {%- set present = present_rows.columns[0].values() | list -%}
    {%- set added = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.schema == build_schema and node.config.enabled -%}
            {%- set table = node.alias or node.name -%}
            {%- for constraint in node.constraints -%}
                {%- if constraint.type == 'foreign_key' and constraint.name and constraint.to
                    and (table ~ '.' ~ constraint.name) not in present -%}
                    {#- constraint.to is ref('<model>'), as the contracts write it -#}
                    {%- set quoted = constraint.to | replace('"', "'") -%}
                    {%- set target = quoted.split("'")[1] if quoted.startswith('ref(') and quoted.count("'") >= 2 else '' -%}
                    {%- if target -%}
                        {%- do run_query(
                            "alter table " ~ adapter.quote(build_schema) ~ "." ~ adapter.quote(table)
                            ~ " add constraint " ~ constraint.name
                            ~ " foreign key (" ~ constraint.columns | join(', ') ~ ")"
                            ~ " references " ~ adapter.quote(build_schema) ~ "." ~ adapter.quote(target)
                            ~ " (" ~ constraint.to_columns | join(', ') ~ ")"
                        ) -%}
                        {%- do added.append(table ~ '.' ~ constraint.name) -%}
                    {%- endif -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if added -%}
        {{ log("publish: re-added " ~ added | length ~ " foreign key(s) a rebuild had dropped: " ~ (added[:5] | join(', ')), info=true) }}
    {%- endif -%}
{% endmacro %}
