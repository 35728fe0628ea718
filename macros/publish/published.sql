{#-
    The published copy of a mart: ref() points at the build schema (phm_star_build), where the
    star is written and audited; readers such as the Abigail analyses must read what was
    published (phm_star). Calling ref() keeps the analysis in the lineage graph.
-#}
{% macro published(relation) -%}
    {{ relation.incorporate(path={"schema": var('star_publish_schema')}) }}
{%- endmacro %}
