{#-
    Write-audit-publish for the star.

    Every mart is written to the build schema (var star_build_schema, `phm_star_build`) and
    audited there by the data tests and unit tests of the same `dbt build`. Only when the whole
    build succeeded does this on-run-end hook publish it, by swapping the two schemas in one short
    transaction: the build schema becomes `phm_star` and yesterday's `phm_star` becomes the next
    build schema. Readers of `phm_star` never see a table being rebuilt, and a failed build, a
    failed test or a partial (--select) build publishes nothing.

    The swap renames schemas only: no table is rewritten, locked or dropped, so the publish takes
    milliseconds whatever the data volume. Yesterday's published tables become the next build's
    starting point, which is what the incremental models need (they catch up from their own
    watermark). On the very first publish there is no yesterday: the incremental tables are then
    copied into a new build schema, once.
-#}
{% macro publish_star(results) %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set build_schema = var('star_build_schema') -%}
    {%- set publish_schema = var('star_publish_schema') -%}
    {%- if flags.WHICH != 'build' -%}
        {%- if flags.WHICH == 'run' -%}
            {{ log("publish: skipped, only `dbt build` (models with their tests) publishes " ~ publish_schema, info=true) }}
        {%- endif -%}
        {{ return('') }}
    {%- endif -%}
    {#- phm run passes the two per-invocation settings as PHM_STAR_* environment variables, not --vars, so that
        the three dbt invocations of a nightly share one parse (changed vars make dbt re-parse the project) -#}
    {%- if (env_var('PHM_STAR_PUBLISH', '') or var('star_publish', true)) in (false, 'false') -%}
        {{ log("publish: deferred (star_publish: false); a later dbt build of this run publishes", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- set verdict = star_build_verdict(results, build_schema) -%}
    {%- if verdict -%}
        {{ log("publish: nothing published to " ~ publish_schema ~ " (" ~ verdict ~ "); it still holds the last good build", info=true) }}
        {{ return('') }}
    {%- endif -%}
    {%- do star_ensure_foreign_keys(build_schema) -%}
    {%- do star_swap_schemas(build_schema, publish_schema) -%}
    {{ return('') }}
{% endmacro %}


{#-
    Why this build must not be published, or '' when it may be. PHM_STAR_PREBUILT (or var star_prebuilt) names marts an
    earlier `dbt build` of the same run built and tested (phm run builds in two invocations around
    the risk scoring); they count as built.
-#}
{% macro star_build_verdict(results, build_schema) %}
    {%- set prebuilt = (env_var('PHM_STAR_PREBUILT', '') or var('star_prebuilt', '') or '').split(',') -%}
    {%- set bad = [] -%}
    {%- set ran_ok = [] -%}
    {%- for result in results -%}
        {%- if result.status in ('error', 'fail', 'runtime error', 'skipped') -%}
            {%- do bad.append(result.node.name) -%}
        {%- elif result.node.resource_type == 'model' -%}
            {%- do ran_ok.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if bad -%}
        {{ return(bad | length ~ " node(s) failed or were skipped: " ~ (bad[:5] | join(', '))) }}
    {%- endif -%}
    {%- set missing = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model' and node.schema == build_schema
            and node.config.enabled and node.unique_id not in ran_ok and node.name not in prebuilt -%}
            {%- do missing.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if missing -%}
        {{ return("a partial build: " ~ missing | length ~ " mart(s) not built in this run, e.g. " ~ (missing[:3] | join(', '))) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}


{% macro star_swap_schemas(build_schema, publish_schema) %}
    {%- set parking = publish_schema ~ '_swap' -%}
    {%- set published_exists = run_query("select 1 from pg_namespace where nspname = '" ~ publish_schema ~ "'") | length > 0 -%}
    {%- set started = modules.datetime.datetime.now() -%}
    {%- if published_exists -%}
        {%- call statement('star_publish_swap') -%}
            set local lock_timeout = '5s';
            alter schema {{ adapter.quote(publish_schema) }} rename to {{ adapter.quote(parking) }};
            alter schema {{ adapter.quote(build_schema) }} rename to {{ adapter.quote(publish_schema) }};
            alter schema {{ adapter.quote(parking) }} rename to {{ adapter.quote(build_schema) }};
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- else -%}
        {%- call statement('star_publish_first') -%}
            alter schema {{ adapter.quote(build_schema) }} rename to {{ adapter.quote(publish_schema) }};
        {%- endcall -%}
        {%- do adapter.commit() -%}
    {%- endif -%}
    {%- set elapsed = (modules.datetime.datetime.now() - started).total_seconds() -%}
    {%- set version_schema = keep_published_version(publish_schema) -%}
    {%- call statement('star_publish_log') -%}
        create schema if not exists phm_audit;
        create table if not exists phm_audit.publish_log (
            published_at timestamp not null default clock_timestamp(),
            invocation_id varchar(64) not null,
            published_schema varchar(63) not null,
            swap_seconds numeric(10, 4) not null,
            first_publish boolean not null,
            version_schema varchar(63)
        );
        {{ add_column_if_missing('phm_audit', 'publish_log', 'version_schema', 'varchar(63)') }}
        insert into phm_audit.publish_log (invocation_id, published_schema, swap_seconds, first_publish, version_schema)
        values ('{{ invocation_id }}', '{{ publish_schema }}', {{ elapsed }}, {{ not published_exists }}, '{{ version_schema }}');
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ log("publish: " ~ build_schema ~ " published as " ~ publish_schema ~ " in "
           ~ "%.3f" | format(elapsed) ~ " s", info=true) }}
    {%- if not published_exists -%}
        {%- do star_seed_build_schema(build_schema, publish_schema) -%}
    {%- endif -%}
{% endmacro %}


{#-
    First publish only: give the next build the incremental tables it grows from (with their
    rows), and empty copies of the other tables, so that the build schema always has every table
    (the docs catalog and unit-test fixtures read column types from it).
-#}
{% macro star_seed_build_schema(build_schema, publish_schema) %}
    {%- call statement('star_seed_build_schema') -%}
        create schema if not exists {{ adapter.quote(build_schema) }};
        {% for node in graph.nodes.values()
            if node.resource_type == 'model' and node.config.materialized in ('incremental', 'table')
            and node.schema == build_schema -%}
        create table {{ adapter.quote(build_schema) }}.{{ adapter.quote(node.alias) }}
            (like {{ adapter.quote(publish_schema) }}.{{ adapter.quote(node.alias) }} including all);
        {% if node.config.materialized == 'incremental' -%}
        insert into {{ adapter.quote(build_schema) }}.{{ adapter.quote(node.alias) }}
        select * from {{ adapter.quote(publish_schema) }}.{{ adapter.quote(node.alias) }};
        analyze {{ adapter.quote(build_schema) }}.{{ adapter.quote(node.alias) }};
        {% endif -%}
        {% endfor %}
    {%- endcall -%}
    {%- do adapter.commit() -%}
    {{ log("publish: first publish; incremental tables copied into " ~ build_schema ~ " for the next build", info=true) }}
{% endmacro %}
