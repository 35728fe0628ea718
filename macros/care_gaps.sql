{#-
    The judgement unit of a measure: its dedup domain ('D:<domain>'), shared by every bundle whose
    measure sits in that domain, or the measure on its own ('M:<measure_code>').
-#}
{% macro judgement_unit(dedup_domain, measure_code) -%}
    coalesce('D:' || {{ dedup_domain }}, 'M:' || {{ measure_code }})
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
