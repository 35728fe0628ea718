{#- The model has at least min_rows and at most max_rows rows (max_rows optional). -#}
{% test row_count_between(model, min_rows, max_rows=none) %}

select count(*) as row_count
from {{ model }}
having count(*) < {{ min_rows }}
{%- if max_rows is not none %} or count(*) > {{ max_rows }}{% endif %}

{% endtest %}
