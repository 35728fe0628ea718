{#-
    Stable surrogate keys. `candidates` is a CTE (already defined by the caller) with the
    natural key columns. On the first build every candidate is numbered in natural-key order;
    afterwards only natural keys not yet in the map get numbers, above the current maximum, so a
    key handed out once never changes and a fact loaded yesterday still joins the right row.
    Models using this are incremental with full_refresh disabled: a --full-refresh of the
    project never renumbers them.
-#}
{% macro assign_stable_keys(natural_key, key_name) -%}
new_keys as (
    select candidates.*
    from candidates
    {%- if is_incremental() %}
    where not exists (
        select 1 from {{ this }} as existing
        where
            {%- for col in natural_key %}
            existing.{{ col }} = candidates.{{ col }}{% if not loop.last %} and{% endif %}
            {%- endfor %}
    )
    {%- endif %}
),

numbered as (
    select
        new_keys.*,
        cast(
            {%- if is_incremental() %}
            (select coalesce(max({{ key_name }}), 0) from {{ this }})
            {%- else %}
            0
            {%- endif %}
            + row_number() over (order by {{ natural_key | join(', ') }}) as integer
        ) as {{ key_name }},
        cast(current_timestamp as timestamp) as first_seen_at
    from new_keys
)

select * from numbered
{%- endmacro %}
