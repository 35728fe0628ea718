{#-
    Post-hook of the incremental facts: remove the rows whose source row is no longer kept by
    staging, because it was deleted from the EDW or now breaks a rule (a correction that made it
    invalid, or a parent that is now rejected). Together with the merge of changed rows, a
    corrected or retracted source row replaces or removes its fact row on the next nightly, with no
    --full-refresh. On the first build every row comes from the kept rows, so nothing is deleted.
-#}
{% macro delete_retracted(kept_model, id_column) -%}
    delete from {{ this }} as loaded
    where not exists (
        select 1
        from {{ ref(kept_model) }} as kept
        where kept.{{ id_column }} = loaded.{{ id_column }}
    )
{%- endmacro %}
