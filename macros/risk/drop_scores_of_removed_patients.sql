{#-
    Post-hook of fact_ai_risk_score: delete the score rows of patients who no longer have a current
    dim_patient version (hard-deleted from the EDW), so the incremental table holds what a full refresh
    builds. A row's patient_key may be an earlier version of a patient who is still current: kept.
-#}
{% macro drop_scores_of_removed_patients() -%}
    {%- if is_incremental() -%}
        delete from {{ this }} as facts
        where not exists (
            select 1
            from {{ ref('dim_patient') }} as versions
            inner join {{ ref('dim_patient') }} as current_versions
                on versions.patient_id = current_versions.patient_id and current_versions.is_current
            where versions.patient_key = facts.patient_key
        )
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
