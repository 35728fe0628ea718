"""`phm edw init` builds the 46 upstream phm_edw tables exactly as edw_schema.csv lists them.

The reference is the upstream column inventory (/work/shared/reference/edw_schema.csv, or
PHM_EDW_SCHEMA_CSV); the database side is read from pg_catalog, so a wrong type, nullability,
default or key in the DDL file shows up column by column.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from phm.db import Connection
from phm.edw.ddl import EDW_SCHEMA, init_schema

REFERENCE = Path(os.environ.get("PHM_EDW_SCHEMA_CSV", "/work/shared/reference/edw_schema.csv"))
NEW_MIGRATIONS = ("010", "011", "012")

LAYOUT_SQL = """
select c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
from pg_attribute a
join pg_class c on c.oid = a.attrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where n.nspname = %s and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
order by c.relname, a.attnum
"""

KEYS_SQL = """
select c.relname, con.contype,
       array(select att.attname from unnest(con.conkey) with ordinality k(num, ord)
             join pg_attribute att on att.attrelid = con.conrelid and att.attnum = k.num order by k.ord),
       fc.relname,
       array(select att.attname from unnest(con.confkey) with ordinality k(num, ord)
             join pg_attribute att on att.attrelid = con.confrelid and att.attnum = k.num order by k.ord)
from pg_constraint con
join pg_class c on c.oid = con.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_class fc on fc.oid = con.confrelid
where n.nspname = %s and con.contype in ('p', 'f', 'u')
"""


def reference_rows() -> list[dict[str, str]]:
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} is not on this machine")
    with REFERENCE.open() as handle:
        return list(csv.DictReader(handle))


def expected_layout(rows: list[dict[str, str]]) -> dict[tuple[str, str], tuple[str, bool, str, frozenset[str]]]:
    """(table, column) -> (type, not null, default, key tokens) as upstream has them.

    `serial` is stored by PostgreSQL as integer with a nextval default; foreign keys to upstream tables
    that are not among the 46 (referral, clinical_order) cannot exist here and are left out.
    """
    tables = {r["table_name"] for r in rows}
    out = {}
    for r in rows:
        kind, default = r["data_type"], r["default_value"]
        if kind == "serial":
            kind, default = "integer", f"nextval('{EDW_SCHEMA}.{r['table_name']}_{r['column_name']}_seq'::regclass)"
        keys = {k for k in r["key_info"].split(";") if k}
        keys = {k for k in keys if not (k.startswith("FK->") and k[4:].split(".")[0] not in tables)}
        out[(r["table_name"], r["column_name"])] = (kind, r["nullable"] == "NO", default, frozenset(keys))
    return out


def actual_layout(pg) -> dict[tuple[str, str], tuple[str, bool, str, frozenset[str]]]:  # type: ignore[no-untyped-def]
    keys: dict[tuple[str, str], set[str]] = {}
    for table, kind, cols, ftable, fcols in pg.execute(KEYS_SQL, (EDW_SCHEMA,)).fetchall():
        for i, col in enumerate(cols):
            if kind == "p":
                token = "PK"
            elif kind == "f":
                token = f"FK->{ftable}.{fcols[i]}"
            else:
                token = "UNIQUE" if len(cols) == 1 else f"UNIQUE({','.join(cols)})"
            keys.setdefault((table, col), set()).add(token)
    return {
        (t, c): (kind, bool(notnull), default or "", frozenset(keys.get((t, c), set())))
        for t, c, kind, notnull, default in pg.execute(LAYOUT_SQL, (EDW_SCHEMA,)).fetchall()
    }


@pytest.fixture(scope="module")
def fresh_edw(test_db: Connection) -> Iterator[Connection]:
    init_schema(test_db, reset=True)
    yield test_db


def test_all_46_tables_match_the_upstream_inventory_column_by_column(fresh_edw: Connection) -> None:
    rows = reference_rows()
    expected = expected_layout(rows)
    with fresh_edw.connect() as pg:
        actual = actual_layout(pg)
    assert len({t for t, _ in expected}) == 46
    assert {t for t, _ in actual} == {t for t, _ in expected}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    assert not missing and not extra, (missing, extra)
    wrong = {k: (expected[k], actual[k]) for k in expected if expected[k] != actual[k]}
    assert not wrong, wrong
    # Column order follows upstream too.
    for table in {t for t, _ in expected}:
        assert [c for t, c in actual if t == table] == [r["column_name"] for r in rows if r["table_name"] == table]


def test_only_the_foreign_keys_to_tables_outside_the_46_are_absent(fresh_edw: Connection) -> None:
    with fresh_edw.connect() as pg:
        actual = actual_layout(pg)
    # Worked out by reading edw_schema.csv: three columns point at upstream tables (referral, clinical_order)
    # that are not among the 46.
    for table, column in [("medication_reconciliation", "referral_id"), ("prior_authorization", "referral_id"),
                          ("prior_authorization", "order_id")]:
        kind, notnull, default, keys = actual[(table, column)]
        assert (kind, notnull, default, keys) == ("integer", False, "", frozenset())
    assert actual[("quality_score", "measure_id")][3] == frozenset(
        {"UNIQUE(provider_id,period_id,measure_id)", "FK->measure_definition.measure_id"})


def test_an_older_edw_gets_the_new_tables_and_nothing_else_changes(fresh_edw: Connection) -> None:
    rows = reference_rows()
    new_tables = sorted({r["table_name"] for r in rows if r["migration"][:3] in NEW_MIGRATIONS})
    assert len(new_tables) == 20
    with fresh_edw.connect() as pg:
        # An EDW as the previous version created it: only the 26 tables of migrations 001 and 006,
        # holding data, and with a local addition (an index) the upgrade must leave alone.
        for table in new_tables:
            pg.execute(f"drop table if exists {EDW_SCHEMA}.{table} cascade")
        pg.execute(f"insert into {EDW_SCHEMA}.payer (payer_name) values ('Old payer')")
        pg.execute(f"create index if not exists local_payer_name on {EDW_SCHEMA}.payer (payer_name)")
        before = actual_layout(pg)
        payers_before = pg.execute(f"select * from {EDW_SCHEMA}.payer order by payer_id").fetchall()
    assert {t for t, _ in before}.isdisjoint(new_tables) and len({t for t, _ in before}) == 26

    init_schema(fresh_edw)

    with fresh_edw.connect() as pg:
        after = actual_layout(pg)
        payers_after = pg.execute(f"select * from {EDW_SCHEMA}.payer order by payer_id").fetchall()
        index = pg.execute("select 1 from pg_indexes where schemaname = %s and indexname = 'local_payer_name'",
                           (EDW_SCHEMA,)).fetchone()
    assert {t for t, _ in after} == {t for t, _ in before} | set(new_tables)
    assert {k: v for k, v in after.items() if k in before} == before
    assert payers_after == payers_before and len(payers_after) == 1
    assert index is not None
    assert after == expected_layout(rows)
