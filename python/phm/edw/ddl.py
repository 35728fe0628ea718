"""Create the phm_edw schema from the project's DDL file."""

from __future__ import annotations

from importlib import resources

from phm.db import Connection

EDW_SCHEMA = "phm_edw"
# Everything the build (and `phm score`) derives from phm_edw: replacing the EDW with a new population drops these,
# so that snapshots and key maps never mix two populations.
# phm_star_build is the star being built (write-audit-publish), phm_star_swap its name mid-swap.
DERIVED_SCHEMAS = ("phm_stg", "phm_int", "phm_snapshots", "phm_star", "phm_star_build", "phm_star_swap", "phm_score")
# The Synthea loader's key map (source key -> EDW id); it describes phm_edw's ids, so it goes when phm_edw does.
LOAD_SCHEMA = "phm_load"


def ddl_text() -> str:
    return resources.files("phm.edw").joinpath("phm_edw_ddl.sql").read_text()


def init_schema(conn: Connection, reset: bool = False) -> str:
    """Create phm_edw (idempotent). With `reset`, drop it first, and the Synthea loader's key map with it."""
    with conn.connect() as pg:
        if reset:
            pg.execute(f"drop schema if exists {EDW_SCHEMA} cascade")
            pg.execute(f"drop schema if exists {LOAD_SCHEMA} cascade")
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
        # and the published builds kept by name (phm_star_v1, ...; macros/publish/keep_published.sql)
        versions = [r[0] for r in pg.execute("select nspname from pg_namespace where nspname ~ '^phm_star_v[0-9]+$' "
                                             "order by 1").fetchall()]
        for schema in (*DERIVED_SCHEMAS, *versions):
            exists = pg.execute("select 1 from pg_namespace where nspname = %s", (schema,)).fetchone()
            if exists:
                pg.execute(f"drop schema {schema} cascade")
                dropped.append(schema)
    return dropped
