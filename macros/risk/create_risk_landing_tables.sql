{#-
    The landing schema `phm score` (python/phm/risk) writes to and dbt reads back as the source
    phm_score. Created when missing, by the project's on-run-start hook, so that a database where
    nothing was ever scored still builds (with no risk scores). The column comments are the contract
    the Python writer follows; the source YAML describes the same columns.
-#}
{% macro create_risk_landing_tables() -%}
create schema if not exists phm_score;

create table if not exists phm_score.model_version (
    model_code varchar(50) not null,
    model_version varchar(20) not null,
    trained_on date not null,
    trained_at timestamp with time zone not null,
    algorithm text not null,
    training_rows integer,
    training_positives integer,
    training_cutoffs text,
    validation_cutoff date,
    validation_rows integer,
    validation_positives integer,
    validation_auroc numeric(6, 4),
    validation_brier numeric(6, 4),
    calibration_in_the_large numeric(7, 4),
    parameters jsonb not null default '{}'::jsonb,
    primary key (model_code, model_version)
);

create table if not exists phm_score.risk_score_run (
    model_code varchar(50) not null,
    scoring_date date not null,
    patient_id integer not null,
    score_value numeric(10, 4) not null,
    contributing_factors jsonb not null,
    model_version varchar(20) not null,
    confidence numeric(5, 4),
    scored_at timestamp with time zone not null,
    primary key (model_code, scoring_date, patient_id)
)
{%- endmacro %}
