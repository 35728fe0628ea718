{#-
    Value rules for the staging layer (issue 14): a value is used as evidence only when it is
    a well-formed code and a plausible measurement. Each macro is a `when` condition of a base
    model's rule list (macros/staging/rules.sql); the ranges and scales are seeds
    (seeds/reference/observation_plausible_ranges.csv, sdoh_score_scales.csv), never SQL.
-#}

{#-
    Condition: a LOINC-shaped code (var loinc_pattern) whose check digit is wrong. The LOINC
    mod-10 check digit (LOINC Users' Guide): from the right, every odd-position digit of the
    body is doubled and its digits summed, every even-position digit taken as is; the check digit
    brings the total to a multiple of ten. So '4548-4' is valid and '4548-5' is not. The body is
    left-padded to seven digits (a leading zero adds nothing).
-#}
{% macro loinc_check_digit_fails(column) -%}
    ({{ column }} ~ '{{ var("loinc_pattern") }}' and (
        10 - (
            {%- for k in range(1, 8) %}
            {%- set d = "cast(substr(lpad(split_part(" ~ column ~ ", '-', 1), 7, '0'), " ~ (8 - k) ~ ", 1) as integer)" %}
            {% if not loop.first %}+ {% endif %}
            {%- if k % 2 == 1 -%}
            (2 * {{ d }} - case when {{ d }} >= 5 then 9 else 0 end)
            {%- else -%}
            {{ d }}
            {%- endif %}
            {%- endfor %}
        ) % 10
    ) % 10 <> cast(split_part({{ column }}, '-', 2) as integer))
{%- endmacro %}

{#- A plain decimal number written as text ('7.2', ' -5 ', '+140'), else NULL. -#}
{% macro numeric_text_pattern() -%}
    '^[[:space:]]*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)[[:space:]]*$'
{%- endmacro %}

{#-
    The numeric value of an observation: value_numeric, else value_text when that is a number
    written as text (a lab interface that sends '7.2' in the text field).
-#}
{% macro observation_numeric_value(numeric_column, text_column) -%}
    coalesce(
        {{ numeric_column }},
        case
            when {{ text_column }} ~ {{ numeric_text_pattern() }}
                then cast(trim({{ text_column }}) as numeric)
        end
    )
{%- endmacro %}

{#- Condition: the observation's code is a quantity (it has a plausible range) but its value is text that is not a number. -#}
{% macro non_numeric_quantity(code_column, numeric_column, text_column) -%}
    ({{ numeric_column }} is null and {{ text_column }} is not null and exists (
        select 1 from {{ ref('observation_plausible_ranges') }} as plausible
        where plausible.loinc_code = {{ code_column }}
    ))
{%- endmacro %}

{#- Condition: a numeric observation outside the plausible range of its LOINC code (seed observation_plausible_ranges). -#}
{% macro implausible_observation(code_column, numeric_column) -%}
    ({{ numeric_column }} is not null and exists (
        select 1 from {{ ref('observation_plausible_ranges') }} as plausible
        where
            plausible.loinc_code = {{ code_column }}
            and ({{ numeric_column }} < plausible.plausible_low or {{ numeric_column }} > plausible.plausible_high)
    ))
{%- endmacro %}

{#- Condition: a score outside its instrument's scale (seed sdoh_score_scales, one row per score column). -#}
{% macro outside_score_scale(column) -%}
    ({{ column }} is not null and exists (
        select 1 from {{ ref('sdoh_score_scales') }} as scale
        where
            scale.score_column = '{{ column }}'
            and ({{ column }} < scale.scale_min or {{ column }} > scale.scale_max)
    ))
{%- endmacro %}

{#-
    Condition: a code system the table cannot read, such as ICD9 on a diagnosis. Its code would
    be compared with ICD-10-CM or SNOMED CT lists by shape alone (an ICD-9 'V70.0' looks like an
    ICD-10-CM code), so the row is rejected instead of silently used. `families` lists the code
    system families (macro code_system_family) the table accepts.
-#}
{% macro unknown_code_system(family_column, families) -%}
    ({{ family_column }} is null or {{ family_column }} not in ('{{ families | join("', '") }}'))
{%- endmacro %}
