{#-
    History kept across rebuilds (fact_population_snapshot, fact_provider_quality): the model
    recomputes only the current period and appends every other period from the published copy
    of itself in phm_star, as last published. Renders nothing on a database with no published
    star yet (the first build), and at parse time.
-#}
{% macro carry_forward_history(period_column, current_period_sql) %}
    {%- if adapter is defined and execute -%}
        {%- set published = adapter.get_relation(
            database=this.database, schema=var('star_publish_schema'), identifier=this.identifier) -%}
        {%- if published is not none %}
    union all
    select history.*
    from {{ published }} as history
    where history.{{ period_column }} <> {{ current_period_sql }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
