"""Create the phm_edw schema from the project's DDL file."""

from __future__ import annotations

from importlib import resources

from phm.db import Connection

EDW_SCHEMA = "phm_edw"
# Everything the build (and `phm score`) derives from phm_edw: replacing the EDW with a new population drops these,
# so that snapshots and key maps never mix two populations.
DERIVED_SCHEMAS = ("phm_stg", "phm_int", "phm_snapshots", "phm_star", "phm_score")


def ddl_text() -> str:
    return resources.files("phm.edw").joinpath("phm_edw_ddl.sql").read_text()


def init_schema(conn: Connection, reset: bool = False) -> str:
    """Create phm_edw (idempotent). With `reset`, drop it first."""
    with conn.connect() as pg:
        if reset:
            pg.execute(f"drop schema if exists {EDW_SCHEMA} cascade")
        pg.execute(ddl_text())
        tables = pg.execute(
            "select count(*) from information_schema.tables where table_schema = %s and table_type = 'BASE TABLE'",
            (EDW_SCHEMA,),
        ).fetchone()[0]  # type: ignore[index]
    return f"phm_edw ready: {tables} tables in {conn.dbname} at {conn.host}:{conn.port}."


def drop_derived(conn: Connection) -> list[str]:
    """Drop the warehouse schemas built from phm_edw; returns those that existed."""
    dropped = []
    with conn.connect() as pg:
        for schema in DERIVED_SCHEMAS:
            exists = pg.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone()
            if exists:
                pg.execute(f"drop schema {schema} cascade")
                dropped.append(schema)
    return dropped
