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

{#-
    Care-gap timing: the date lies within the unit's frequency window as of the run date.
    frequency NULL ("Once"): any date counts. 0 ("Every visit"): on or after the last visit
    (any date when the patient has had no visit). N days: no more than N days before the run.
-#}
{% macro within_window(date_column) -%}
    case
        when {{ date_column }} is null then false
        when unit_frequency_days is null then true
        when unit_frequency_days = 0 then last_visit_date is null or {{ date_column }} >= last_visit_date
        else {{ run_date() }} - {{ date_column }} <= unit_frequency_days
    end
{%- endmacro %}
