{#-
    Pre-hook of fact_ai_risk_score: a dbt build without `phm score` still succeeds, and says why the
    risk scores are missing (nothing ever scored) or old (the latest run is before the run date).
-#}
{% macro warn_about_risk_scoring_runs() -%}
    {%- if execute %}
        {%- set landed = run_query(
            "select count(*), max(scoring_date), max(scoring_date) < " ~ run_date()
            ~ " from " ~ source('phm_score', 'risk_score_run')
        ).rows[0] %}
        {%- if landed[0] == 0 %}
            {{- exceptions.warn(
                "fact_ai_risk_score: phm_score.risk_score_run holds no scoring run yet, so the table stays "
                ~ "empty until `phm score` runs (the nightly `phm run` scores after its build)."
            ) }}
        {%- elif landed[2] %}
            {{- exceptions.warn(
                "fact_ai_risk_score: the most recent scoring run is for " ~ landed[1]
                ~ ", before the run date; its scores are kept. Run `phm score` to score the run date."
            ) }}
        {%- endif %}
    {%- endif %}
    select 1
{%- endmacro %}
