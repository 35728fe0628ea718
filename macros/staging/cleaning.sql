{#- Cleaning helpers shared by the staging models. -#}

{#- A code as the warehouse compares it: trimmed, upper-cased, blank meaning NULL. -#}
{% macro clean_code(column) -%}
    nullif(upper(trim({{ column }})), '')
{%- endmacro %}

{#- Free text: trimmed, blank meaning NULL. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- An EDW Y/N indicator as a boolean; anything but Y (including NULL) is false. -#}
{% macro yn_to_bool(column) -%}
    coalesce(upper(trim({{ column }})) = 'Y', false)
{%- endmacro %}

{#-
    ICD-10 code in its comparison form: dots and white space removed, upper-cased, so that
    'E11.9', 'E119' and ' e11.9 ' are all 'E119'. Any other character is kept, so that a
    malformed code stays malformed and is rejected.
-#}
{% macro normalize_icd10(column) -%}
    nullif(upper(regexp_replace({{ column }}, '[.[:space:]]', '', 'g')), '')
{%- endmacro %}

{#- The display form of a normalised ICD-10 code: a dot after the third character. -#}
{% macro icd10_dotted(normalized) -%}
    case
        when length({{ normalized }}) > 3
            then left({{ normalized }}, 3) || '.' || substr({{ normalized }}, 4)
        else {{ normalized }}
    end
{%- endmacro %}
