{#- True when a recorded housing status means unstable housing (unstable, homeless, shelter); false for
    any other status, NULL included. One rule for fact_sdoh and the risk features. -#}
{% macro is_unstable_housing(column) -%}
    coalesce(upper({{ column }}) similar to '%(UNSTABLE|HOMELESS|SHELTER)%', false)
{%- endmacro %}
