{#-
    A parameter of an Abigail analysis, as a SQL literal: `dbt compile --select open_gaps --vars
    '{patient_id: 17}'` renders 17. `phm abigail` compiles each analysis once with placeholders
    (patient_id: "%(patient_id)s") and binds the values through the database driver, so a value
    never becomes SQL text and one compiled query serves every patient.
-#}
{% macro analysis_param(name, default=none, kind='text') -%}
    {%- set value = var(name, default) -%}
    {%- if value is none -%}
        {#- not given: compiles (docs generate compiles every analysis) to a query returning nothing -#}
        null /* set --vars '{{ "{" ~ name ~ ": ...}" }}' */
    {%- elif value is string and value.startswith('%(') -%}
        {{ value }}
    {%- elif kind == 'int' -%}
        {{ value | int }}
    {%- else -%}
        '{{ value | replace("'", "''") }}'
    {%- endif -%}
{%- endmacro %}
