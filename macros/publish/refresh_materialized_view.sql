{#-
    dbt refreshes an existing materialized view with a plain REFRESH, which locks readers out for
    the whole refresh. Every mv_* model has a unique index on plain columns with no WHERE clause,
    so it can be refreshed CONCURRENTLY: readers keep the old contents until the new ones commit.
    (A view that has never been populated cannot be refreshed concurrently; dbt creates ours WITH
    DATA, so that case does not arise.)
-#}
{% macro postgres__refresh_materialized_view(relation) %}
    refresh materialized view concurrently {{ relation }}
{% endmacro %}
