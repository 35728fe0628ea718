{#-
    Row rules for the staging layer.

    A base model lists its rules in order, each a dict {rule, column, when}: `when` is the SQL
    condition that makes a row fail. The first failing rule decides the row's fate; a row
    failing none is then de-duplicated. The base model carries reject_rule / reject_column /
    reject_value; stg_* keeps the rows where reject_rule is NULL and stg_phm_edw__rejects the rest.
-#}

{#- Number of the first failing rule (1-based), NULL when the row passes all of them. -#}
{% macro failed_rule_number(rules) -%}
    case
    {%- for r in rules %}
        when {{ rule_condition(r, loop.index) }} then {{ loop.index }}
    {%- endfor %}
    end
{%- endmacro %}

{#-
    The SQL condition of rule number `index`: the rule's own `when` text, or, for an orphan rule
    (a dict from orphan() or orphan_in_source()), "the key is set and the joined parent is missing".
-#}
{% macro rule_condition(r, index) -%}
    {%- if r.when is mapping -%}
        ({{ r.when.column }} is not null and rule_{{ index }}.rule_{{ index }}_parent_key is null)
    {%- else -%}
        {{ r.when }}
    {%- endif -%}
{%- endmacro %}

{#-
    The parents the orphan rules look up, as left joins, one per orphan rule: goes right after
    `from renamed` in the `checked` CTE. Each parent is reduced to its distinct keys first, so the join
    never multiplies rows, and the planner hashes or merges it at any size (a NOT EXISTS inside the
    rule's CASE would be a sub-plan per row once the parent no longer fits in work_mem).
-#}
{% macro rule_parents(rules) -%}
    {%- for r in rules %}
        {%- if r.when is mapping %}
    left join (
        select {{ r.when.parent_column }} as rule_{{ loop.index }}_parent_key
        from {{ r.when.relation }}
        group by {{ r.when.parent_column }}
    ) as rule_{{ loop.index }}
        on {{ r.when.column }} = rule_{{ loop.index }}.rule_{{ loop.index }}_parent_key
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#-
    The three reject columns, from the failed rule number and the de-duplication ranks.
    key_column: the primary key (rank > 1 is a 'duplicate_key');
    record_column: first column of the natural key, when the model de-duplicates records.
-#}
{% macro reject_outputs(rules, key_column, record_column=none) -%}
    case
    {%- for r in rules %}
        when failed_rule_number = {{ loop.index }} then '{{ r.rule }}'
    {%- endfor %}
        when key_rank > 1 then 'duplicate_key'
    {%- if record_column %}
        when record_rank > 1 then 'duplicate_record'
    {%- endif %}
    end as reject_rule,
    case
    {%- for r in rules %}
        when failed_rule_number = {{ loop.index }} then '{{ r.column }}'
    {%- endfor %}
        when key_rank > 1 then '{{ key_column }}'
    {%- if record_column %}
        when record_rank > 1 then '{{ record_column }}'
    {%- endif %}
    end as reject_column,
    case
    {%- for r in rules %}
        when failed_rule_number = {{ loop.index }} then cast({{ r.column }} as text)
    {%- endfor %}
        when key_rank > 1 then cast({{ key_column }} as text)
    {%- if record_column %}
        when record_rank > 1 then cast({{ record_column }} as text)
    {%- endif %}
    end as reject_value
{%- endmacro %}

{#-
    Rule: a non-NULL foreign key with no kept parent row in the parent's staging model. Returns the
    rule's parent lookup (not SQL text): failed_rule_number() and rule_parents() turn it into a
    condition and a left join.
-#}
{% macro orphan(column, parent_model, parent_column) -%}
    {{ return({'column': column, 'relation': ref(parent_model), 'parent_column': parent_column}) }}
{%- endmacro %}

{#- Rule: a non-NULL self-reference with no row in the source table itself (a lookup, as orphan()). -#}
{% macro orphan_in_source(column, table, parent_column) -%}
    {{ return({'column': column, 'relation': source('phm_edw', table), 'parent_column': parent_column}) }}
{%- endmacro %}

{#- Condition: a date or timestamp after the run date (plus a day) or before min_valid_date. -#}
{% macro out_of_range_date(column) -%}
    ({{ column }} > {{ run_date() }} + 1 or {{ column }} < cast('{{ var("min_valid_date") }}' as date))
{%- endmacro %}

{#- Condition: a cleaned code that does not match the pattern held in the named var. -#}
{% macro malformed(column, pattern_var) -%}
    ({{ column }} is not null and {{ column }} !~ '{{ var(pattern_var) }}')
{%- endmacro %}

{#- The code-system family of a free-text code_system value: ICD10, SNOMED or the cleaned value. -#}
{% macro code_system_family(column) -%}
    case
        when upper({{ column }}) like 'ICD%10%' then 'ICD10'
        when upper({{ column }}) like 'SNOMED%' or upper(trim({{ column }})) = 'SCT' then 'SNOMED'
        else upper(trim({{ column }}))
    end
{%- endmacro %}
