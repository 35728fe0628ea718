{#-
    The dim_date key of a date or timestamp: YYYYMMDD as an integer. NULL dates and dates
    outside dim_date's range (var date_dim_start .. date_dim_end) get the documented unknown
    key -1, which dim_date carries, so one odd date never aborts a build.
-#}
{% macro date_key(column) -%}
    case
        when {{ column }} >= cast('{{ var("date_dim_start") }}' as date)
            and {{ column }} < cast('{{ var("date_dim_end") }}' as date) + 1
            then cast(to_char({{ column }}, 'YYYYMMDD') as integer)
        else -1
    end
{%- endmacro %}
