{#- The as-of date of the run: var('run_date') when set (tests pin it), else current_date. -#}
{% macro run_date() -%}
    {%- if var('run_date', '') -%}
        cast('{{ var("run_date") }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
