{#- One row per element of a pipe-separated seed list column (NULL or empty gives none). -#}
{% macro unnest_pipe_list(column) -%}
    unnest(string_to_array(nullif(trim({{ column }}), ''), '|'))
{%- endmacro %}
