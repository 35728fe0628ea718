{#-
    Custom schemas are used as given (phm_stg, phm_int, phm_star, phm_ref), not prefixed with
    the target schema: dashboards and the spec name `phm_star` exactly.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
