{#-
    Shape checks for the codes of the claims, scheduling and pharmacy tables (EDW migrations 010-012).
    Each *_malformed macro is a row-rule condition: true when the (cleaned) value is present and
    does not have the shape of its code system. A shape check proves a code is well formed, not
    that it exists in its code set. The patterns are vars in dbt_project.yml (one place each).
-#}

{#- CPT Category I (5 digits), Category II (4 digits + F), Category III (4 digits + T), or HCPCS Level II ([A-V] + 4 digits). -#}
{% macro cpt_hcpcs_malformed(column) -%}
    ({{ column }} is not null and {{ column }} !~ '{{ var("cpt_pattern") }}' and {{ column }} !~ '{{ var("hcpcs_level2_pattern") }}')
{%- endmacro %}

{#- A procedure modifier: two letters or digits (CPT -25, -59; HCPCS LT, RT, GT ...). -#}
{% macro modifier_malformed(column) -%}
    ({{ column }} is not null and {{ column }} !~ '{{ var("procedure_modifier_pattern") }}')
{%- endmacro %}

{#- An ICD-10-CM code in its normalised form (normalize_icd10: no dot, upper case). -#}
{% macro icd10cm_malformed(column) -%}
    ({{ column }} is not null and {{ column }} !~ '{{ var("icd10_pattern") }}')
{%- endmacro %}

{#-
    The diagnosis a claim line points at: a claim-level pointer (1-12 or A-L, the positions of
    the claim's diagnoses on the 837P / CMS-1500 box 24E) or an ICD-10-CM code (normalised form).
-#}
{% macro icd10_pointer_malformed(column) -%}
    ({{ column }} is not null
        and {{ column }} !~ '{{ var("diagnosis_pointer_pattern") }}'
        and {{ column }} !~ '{{ var("icd10_pattern") }}')
{%- endmacro %}

{#-
    NDC as the EDW may hold it: trimmed, blank meaning NULL. The hyphenated 10-digit forms
    (4-4-2, 5-3-2, 5-4-1) and the 11-digit 5-4-2 form (hyphenated or not) are accepted. An
    unhyphenated 10-digit NDC is malformed: it cannot be told which segment to pad.
-#}
{% macro ndc_malformed(column) -%}
    ({{ column }} is not null and {{ column }} !~ '{{ var("ndc_pattern") }}')
{%- endmacro %}

{#- An accepted NDC in its 11-digit 5-4-2 billing form (no hyphens): the short segment is padded with a leading zero; NULL otherwise. -#}
{% macro ndc_11(column) -%}
    case
        when {{ column }} ~ '^[0-9]{11}$' then {{ column }}
        when {{ column }} ~ '^[0-9]{5}-[0-9]{4}-[0-9]{2}$' then replace({{ column }}, '-', '')
        when {{ column }} ~ '^[0-9]{4}-[0-9]{4}-[0-9]{2}$' then '0' || replace({{ column }}, '-', '')
        when {{ column }} ~ '^[0-9]{5}-[0-9]{3}-[0-9]{2}$'
            then split_part({{ column }}, '-', 1) || '0' || split_part({{ column }}, '-', 2) || split_part({{ column }}, '-', 3)
        when {{ column }} ~ '^[0-9]{5}-[0-9]{4}-[0-9]$'
            then split_part({{ column }}, '-', 1) || split_part({{ column }}, '-', 2) || '0' || split_part({{ column }}, '-', 3)
    end
{%- endmacro %}

{#-
    NCPDP provider id (the pharmacy's id, formerly its NABP number): 7 digits, the last a check
    digit: the last digit of (digits 1 + 3 + 5) + 2 x (digits 2 + 4 + 6). The illustrative ids of
    HL7's CARIN Real-Time Pharmacy Benefit Check guide (0999017, 0999029, 0999031) follow it.
-#}
{% macro ncpdp_malformed(column) -%}
    case
        when {{ column }} is null then false
        when {{ column }} !~ '{{ var("ncpdp_pattern") }}' then true
        else (
            cast(substr({{ column }}, 1, 1) as integer)
            + cast(substr({{ column }}, 3, 1) as integer)
            + cast(substr({{ column }}, 5, 1) as integer)
            + 2 * (
                cast(substr({{ column }}, 2, 1) as integer)
                + cast(substr({{ column }}, 4, 1) as integer)
                + cast(substr({{ column }}, 6, 1) as integer)
            )
        ) % 10 <> cast(substr({{ column }}, 7, 1) as integer)
    end
{%- endmacro %}

{#-
    NPI: 10 digits whose last is the Luhn check digit of the first nine prefixed with 80840 (the
    ISO card-issuer prefix for US health applications; CMS, "Requirements for NPI check digit").
    The prefix's doubled-digit sum is a constant 24. Digits 1, 3, 5, 7 and 9 are doubled (a
    doubled digit over 9 counts as its two digits added, i.e. minus 9); 2, 4, 6 and 8 are added
    as they are; the total with the check digit must end in 0.
-#}
{% macro npi_malformed(column) -%}
    case
        when {{ column }} is null then false
        when {{ column }} !~ '^[0-9]{10}$' then true
        else (24
            {%- for i in range(1, 11) %}
            {%- if i in [1, 3, 5, 7, 9] %}
            + (2 * cast(substr({{ column }}, {{ i }}, 1) as integer)) % 10
            + (2 * cast(substr({{ column }}, {{ i }}, 1) as integer)) / 10
            {%- else %}
            + cast(substr({{ column }}, {{ i }}, 1) as integer)
            {%- endif %}
            {%- endfor %}
        ) % 10 <> 0
    end
{%- endmacro %}
