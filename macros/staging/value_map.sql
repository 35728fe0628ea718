{#-
    Vocabulary normalisation (seeds/reference/value_map.csv): the left join that finds a column's
    normalised value, and the value itself. A NULL stays NULL; a spelling the map does not know becomes
    the explicit value 'UNMAPPED' (kept, counted by int_vocabulary__unmapped_values and reported by
    `phm run`), never dropped. Applied once, in the stg_phm_edw__* views; every model reads the result.
-#}
{% macro value_map_join(vocabulary, column, alias) -%}
    left join value_map as {{ alias }}
        on {{ alias }}.vocabulary = '{{ vocabulary }}' and {{ column }} = {{ alias }}.raw_value
{%- endmacro %}

{% macro mapped_value(column, alias) -%}
    case when {{ column }} is not null then coalesce({{ alias }}.normalized_value, 'UNMAPPED') end
{%- endmacro %}
