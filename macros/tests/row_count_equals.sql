{#- The model has exactly as many rows as compare_model (e.g. a view and the fact it presents). -#}
{% test row_count_equals(model, compare_model) %}

select
    (select count(*) from {{ model }}) as model_rows,
    (select count(*) from {{ compare_model }}) as compare_rows
where (select count(*) from {{ model }}) <> (select count(*) from {{ compare_model }})

{% endtest %}
