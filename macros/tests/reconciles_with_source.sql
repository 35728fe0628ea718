{#-
    Every phm_edw row is either kept by the staging model or listed in stg_phm_edw__rejects:
    source rows = kept + rejected. Fails with the three counts when they disagree.
-#}
{% test reconciles_with_source(model, source_table) %}

with source_rows as (
    select count(*) as n from {{ source('phm_edw', source_table) }}
),

kept_rows as (
    select count(*) as n from {{ model }}
),

rejected_rows as (
    select count(*) as n
    from {{ ref('stg_phm_edw__rejects') }}
    where source_table = '{{ source_table }}'
)

select
    source_rows.n as source_rows,
    kept_rows.n as kept_rows,
    rejected_rows.n as rejected_rows
from source_rows
cross join kept_rows
cross join rejected_rows
where source_rows.n <> kept_rows.n + rejected_rows.n

{% endtest %}
