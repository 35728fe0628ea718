{#-
    Custom schemas are used as given (phm_stg, phm_int, phm_star, phm_ref), not prefixed with
    the target schema: dashboards and the spec name `phm_star` exactly.

    PHM_SCHEMA_PREFIX (empty unless set) is put in front of every schema: `phm ci` sets it (ci_ by
    default) so that a pull-request build writes ci_phm_star, ... beside production, never over it.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('PHM_SCHEMA_PREFIX', '') | trim -%}
    {%- if custom_schema_name is none -%}
        {{ prefix }}{{ target.schema | trim }}
    {%- else -%}
        {{ prefix }}{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
