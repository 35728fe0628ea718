"""The run audit (phm_audit.run, phm_audit.run_step) and the change fingerprint that lets an unchanged night skip the build."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

from phm.db import Connection
from phm.paths import project_root

AUDIT_DDL = """
create schema if not exists phm_audit;
create table if not exists phm_audit.run (
    run_id bigserial primary key,
    started_at timestamp not null default clock_timestamp(),
    finished_at timestamp,
    status varchar(20) not null default 'running',
    run_date date not null,
    command text not null,
    fingerprint varchar(64),
    published boolean not null default false,
    source_rows bigint,
    loaded_rows bigint,
    rejected_rows bigint,
    error text,
    last_seen_at timestamp
);
-- runs audited before last_seen_at existed; `add column if not exists` would lock out readers even when it exists
do $add_column$
begin
    if not exists (select 1 from information_schema.columns
                   where table_schema = 'phm_audit' and table_name = 'run' and column_name = 'last_seen_at') then
        alter table phm_audit.run add column last_seen_at timestamp;
    end if;
end
$add_column$;
create table if not exists phm_audit.run_step (
    run_id bigint not null references phm_audit.run (run_id) on delete cascade,
    step_order smallint not null,
    step varchar(100) not null,
    started_at timestamp not null,
    finished_at timestamp not null,
    status varchar(20) not null,
    seconds numeric(10, 2) not null,
    node_counts jsonb not null default '{}',
    rows_affected jsonb not null default '{}',
    metrics jsonb not null default '{}',
    error text,
    primary key (run_id, step_order)
);
"""

# The files whose content decides what the build produces.
PROJECT_PARTS = ("models", "macros", "seeds", "snapshots", "dbt_project.yml", "selectors.yml")


def ensure(conn: Connection) -> None:
    with conn.connect() as pg:
        pg.execute(AUDIT_DDL)  # type: ignore[arg-type]


def project_hash(root: Path | None = None) -> str:
    root = root or project_root()
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else ([path] if path.exists() else [])
        for file in files:
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def source_state(conn: Connection) -> dict[str, list[Any]]:
    """Per EDW table: row count, latest created/updated time and the sum of updated times."""
    state: dict[str, list[Any]] = {}
    with conn.connect() as pg:
        columns: dict[str, set[str]] = {}
        for table, column in pg.execute(
                "select table_name, column_name from information_schema.columns where table_schema = 'phm_edw'"):
            columns.setdefault(table, set()).add(column)
        for table in sorted(columns):
            # count: inserts and deletes; max and sum of the record times: any dated insert or update,
            # including one that moves an old row's updated_date without passing the newest
            parts = ["count(*)"] + [f"max({c})::text" for c in ("created_date", "updated_date") if c in columns[table]]
            if "updated_date" in columns[table]:
                parts.append("sum(extract(epoch from updated_date))::text")
            row = pg.execute(f'select {", ".join(parts)} from phm_edw."{table}"').fetchone()  # type: ignore[arg-type]
            state[table] = list(row or ())
    return state


def app_state(conn: Connection) -> list[Any]:
    """The application schema's user data the marts read (recommendation statuses): changes and the latest id.

    A missing table and an empty one give the same state, so that the run that creates it (on-run-start)
    does not make the next night look changed.
    """
    with conn.connect() as pg:
        exists = pg.execute("select to_regclass('phm_app.recommendation_status_history') is not null").fetchone()
        if not (exists and exists[0]):
            return [0, None]
        row = pg.execute("select count(*), max(status_change_id) from phm_app.recommendation_status_history").fetchone()
    return list(row or (0, None))


def fingerprint(conn: Connection, run_date: date, variables: dict[str, str]) -> str:
    payload = {"sources": source_state(conn), "project": project_hash(), "run_date": run_date.isoformat(),
               "vars": variables, "app": app_state(conn)}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def last_published_fingerprint(conn: Connection) -> str | None:
    with conn.connect() as pg:
        row = pg.execute(
            "select fingerprint from phm_audit.run where status = 'success' and published "
            "order by run_id desc limit 1").fetchone()
        star = pg.execute("select to_regclass('phm_star.fact_patient_composite') is not null").fetchone()
    return str(row[0]) if row and star and star[0] else None


def start_run(conn: Connection, run_date: date, command: str, fp: str | None) -> int:
    with conn.connect() as pg:
        row = pg.execute("insert into phm_audit.run (run_date, command, fingerprint) values (%s, %s, %s) "
                         "returning run_id", (run_date, command, fp)).fetchone()
    assert row is not None
    return int(row[0])


def record_step(conn: Connection, run_id: int, order: int, step: Any) -> None:
    with conn.connect() as pg:
        pg.execute(
            "insert into phm_audit.run_step (run_id, step_order, step, started_at, finished_at, status, seconds, "
            "node_counts, rows_affected, metrics, error) values (%s, %s, %s, to_timestamp(%s)::timestamp, "
            "to_timestamp(%s)::timestamp, %s, %s, %s, %s, %s, %s)",
            (run_id, order, step.name, step.started, step.started + step.seconds, "success" if step.ok else "failed",
             round(step.seconds, 2), json.dumps(step.counts), json.dumps(step.rows_affected),
             json.dumps(step.metrics), "\n".join(step.failures) or None))


def finish_run(conn: Connection, run_id: int, status: str, published: bool, error: str | None,
               rejects: tuple[int, int, int] | None) -> None:
    source, loaded, rejected = rejects or (None, None, None)
    with conn.connect() as pg:
        pg.execute("update phm_audit.run set finished_at = clock_timestamp(), status = %s, published = %s, "
                   "error = %s, source_rows = %s, loaded_rows = %s, rejected_rows = %s where run_id = %s",
                   (status, published, error, source, loaded, rejected, run_id))


def publish_count(conn: Connection) -> int:
    with conn.connect() as pg:
        exists = pg.execute("select to_regclass('phm_audit.publish_log') is not null").fetchone()
        if not exists or not exists[0]:
            return 0
        row = pg.execute("select count(*) from phm_audit.publish_log").fetchone()
    return int(row[0]) if row else 0
