"""Create the phm_edw schema from the project's DDL file."""

from __future__ import annotations

from importlib import resources

from phm.db import Connection

EDW_SCHEMA = "phm_edw"


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
