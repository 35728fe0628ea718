{#-
    The application schema phm_app holds what people set in the application, never what the nightly
    computes: dbt never creates, drops or rebuilds anything in it but these tables, created when missing
    by the project's on-run-start hook (and by `phm recommendation status`), so that a fresh database
    builds. dbt reads it back as the source phm_app.

    recommendation_status_history: one row per status change of a recommendation, appended by
    `phm recommendation status ID STATUS [--note]`; the latest row per recommendation is its status.
    Keyed by the recommendation's natural key (recommendation_code, org_id), so a status outlives any
    rebuild of the star and a recommendation that stops triggering keeps its history.
-#}
{% macro create_app_tables() -%}
create schema if not exists phm_app;

create table if not exists phm_app.recommendation_status_history (
    status_change_id bigint generated always as identity primary key,
    recommendation_code varchar(50) not null,
    org_id integer not null,
    status varchar(20) not null
        check (status in ('not_started', 'accepted', 'rejected', 'already_doing')),
    note text,
    set_by text not null default current_user,
    set_at timestamp with time zone not null default clock_timestamp()
)
{%- endmacro %}
