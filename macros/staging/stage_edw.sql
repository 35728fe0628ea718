{#-
    A staging base model from one declaration.

    A base model declares its EDW table once and calls stage_edw_base(table):

        {% set table = {
            'name': 'payment',                 the phm_edw table
            'key': 'payment_id',               its primary key: a second row with the same key is a duplicate_key
            'natural_key': ['claim_id', ...],  optional: a second kept row with the same values is a duplicate_record
            'skip_null_natural_key': true,     optional: a row with a NULL in its natural key is never a duplicate_record
            'columns': [...],                  the columns staged, in order (see edw_column_sql)
            'parents': [{'column': 'claim_id', 'model': 'stg_phm_edw__billing_claim', 'parent_column': 'claim_id'}],
            'rules': [{'rule': ..., 'column': ..., 'when': ...}],
        } %}
        {{ stage_edw_base(table) }}

    Columns are the source columns after cleaning; every table also gets is_active (active_ind),
    created_at, updated_at and source_updated_at = coalesce(updated_date, created_date).

    Rules keep the shape of macros/staging/rules.sql: `when` is the SQL condition, on the cleaned
    columns, that makes a row fail. The first failing rule decides the row's fate, in this order:
    null_key on the key (implied unless listed), the declared null_* rules, one orphan_fk per parent
    (a non-NULL foreign key with no kept row in the parent's stg_ model, evaluated as a hash-able
    left join, never a correlated sub-query), then the other declared rules. Rows failing none are
    de-duplicated on the key, then on the natural key; the newest source_updated_at wins.
-#}
{% macro stage_edw_base(table) %}
{%- set key = table['key'] -%}
{%- set natural_key = table.get('natural_key', []) -%}
{%- set parents = table.get('parents', []) -%}
{%- set declared = table.get('rules', []) -%}
{%- set null_rules = [] -%}
{%- set other_rules = [] -%}
{%- set has_null_key = [] -%}
{%- for r in declared -%}
    {%- if r['rule'] == 'null_key' and r['column'] == key -%}{%- do has_null_key.append(1) -%}{%- endif -%}
    {%- if r['rule'].startswith('null_') -%}{%- do null_rules.append(r) -%}{%- else -%}{%- do other_rules.append(r) -%}{%- endif -%}
{%- endfor -%}
{%- set rules = [] -%}
{%- if not has_null_key -%}
    {%- do rules.append({'rule': 'null_key', 'column': key, 'when': key ~ ' is null'}) -%}
{%- endif -%}
{%- do rules.extend(null_rules) -%}
{%- for p in parents -%}
    {%- do rules.append({
        'rule': 'orphan_fk',
        'column': p['column'],
        'when': '(renamed.' ~ p['column'] ~ ' is not null and ' ~ edw_parent_alias(p) ~ '.parent_key is null)'
    }) -%}
{%- endfor -%}
{%- do rules.extend(other_rules) -%}
{%- set names = [] -%}
{%- for c in table['columns'] -%}
    {%- do names.append(c if c is string else c.get('as', c['name'])) -%}
{%- endfor %}

with source as (
    select * from {{ source('phm_edw', table['name']) }}
),

renamed as (
    select
        {%- for c in table['columns'] %}
        {{ edw_column_sql(c) }},
        {%- endfor %}
        {{ yn_to_bool('source.active_ind') }} as is_active,
        source.created_date as created_at,
        source.updated_date as updated_at,
        coalesce(source.updated_date, source.created_date) as source_updated_at,
        md5(cast(source.* as text)) as source_row_hash
    from source
),

checked as (
    select
        renamed.*,
        {{ failed_rule_number(rules) | indent(8) }} as failed_rule_number
    from renamed
    {%- for p in parents %}
    left join (
        select {{ p.get('parent_column', p['column']) }} as parent_key
        from {{ ref(p['model']) }}
    ) as {{ edw_parent_alias(p) }}
        on renamed.{{ p['column'] }} = {{ edw_parent_alias(p) }}.parent_key
    {%- endfor %}
),

key_ranked as (
    select
        checked.*,
        case
            when failed_rule_number is null
                then row_number() over (
                        partition by (failed_rule_number is null), {{ key }}
                        order by source_updated_at desc nulls last, source_row_hash asc
                    )
        end as key_rank
    from checked
),
{%- if natural_key %}
{%- set eligible -%}
    (key_rank = 1
    {%- if table.get('skip_null_natural_key') %}
    {%- for c in natural_key %} and {{ c }} is not null{% endfor %}
    {%- endif -%})
{%- endset %}

record_ranked as (
    select
        key_ranked.*,
        case
            when {{ eligible }}
                then row_number() over (
                        partition by
                            {{ eligible }},
                            {{ natural_key | join(',\n                            ') }}
                        order by source_updated_at desc nulls last, {{ key }} asc
                    )
        end as record_rank
    from key_ranked
),
{%- endif %}

final as (
    select
        {%- for name in names %}
        {{ name }},
        {%- endfor %}
        is_active,
        created_at,
        updated_at,
        source_updated_at,
        {{ reject_outputs(rules, key, natural_key[0] if natural_key else none) | indent(8) }}
    from {{ 'record_ranked' if natural_key else 'key_ranked' }}
)

select * from final
{% endmacro %}


{#- The alias of a parent's key set in the checked CTE: one per foreign key column. -#}
{% macro edw_parent_alias(parent) -%}
    parent_{{ parent['column'] }}
{%- endmacro %}


{#-
    One staged column. A string passes the source column through; a dict names it and says how:
      {'name': c, 'clean': 'code'}   trimmed, upper-cased, blank NULL (codes and categorical values)
      {'name': c, 'clean': 'text'}   trimmed, blank NULL (free text)
      {'name': c, 'clean': 'icd10'}  ICD-10 comparison form: dots and blanks removed, upper-cased
      {'name': c, 'sql': expression} any expression over the source row
    and 'as' renames it.
-#}
{% macro edw_column_sql(spec) -%}
    {%- if spec is string -%}
        source.{{ spec }}
    {%- else -%}
        {%- set col = 'source.' ~ spec['name'] -%}
        {%- set clean = spec.get('clean') -%}
        {%- if spec.get('sql') -%}
            {{ spec['sql'] }}
        {%- elif clean == 'code' -%}
            {{ clean_code(col) }}
        {%- elif clean == 'text' -%}
            {{ clean_text(col) }}
        {%- elif clean == 'icd10' -%}
            {{ normalize_icd10(col) }}
        {%- elif clean -%}
            {{ exceptions.raise_compiler_error("unknown cleaning '" ~ clean ~ "' for column " ~ spec['name']) }}
        {%- else -%}
            {{ col }}
        {%- endif %} as {{ spec.get('as', spec['name']) }}
    {%- endif -%}
{%- endmacro %}


{#- Condition: a date or timestamp before min_valid_date or more than future_days after the run date. -#}
{% macro date_out_of_range(column, future_days=1) -%}
    ({{ column }} > {{ run_date() }} + {{ future_days }} or {{ column }} < cast('{{ var("min_valid_date") }}' as date))
{%- endmacro %}


{#- Condition: a negative amount of money (a charge, allowed or paid amount is never below zero). -#}
{% macro negative_amount(column) -%}
    ({{ column }} < 0)
{%- endmacro %}


{#- The values of a list var as an SQL list: ('A', 'B'). -#}
{% macro var_in_list(var_name) -%}
    ({%- for v in var(var_name) -%}'{{ v }}'{{ ', ' if not loop.last }}{%- endfor -%})
{%- endmacro %}
