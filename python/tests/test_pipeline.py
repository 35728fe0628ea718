"""End to end: a generated EDW through the nightly build (dbt seed, snapshot, build with every test)."""

from __future__ import annotations

from datetime import date

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import generate_and_load
from phm.orchestrate import nightly, reject_summary

AS_OF = date(2026, 6, 30)
RUN_VARS = {"run_date": AS_OF.isoformat()}


def build(conn: Connection) -> None:
    report = nightly(conn, show_progress=False, extra_vars=RUN_VARS)
    failures = [f for step in report.steps for f in step.failures]
    assert report.ok, failures
    build_step = report.steps[-1]
    assert build_step.name.startswith("build")
    assert set(build_step.counts) <= {"success", "pass"}, build_step.counts
    assert build_step.counts["pass"] >= 150  # every data and unit test ran and passed


def test_clean_edw_builds_and_staging_keeps_every_row(test_db: Connection) -> None:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 1_500, seed=3, as_of=AS_OF, progress=False)
    build(test_db)
    rows = reject_summary(test_db)
    assert len(rows) == 26
    assert all(rejected == 0 and kept == source for _, source, kept, rejected in rows), rows


def test_defects_are_rejected_with_their_rule_and_reconcile(test_db: Connection) -> None:
    ddl.init_schema(test_db, reset=True)
    result = generate_and_load(test_db, 1_500, seed=3, as_of=AS_OF, defects=0.02, progress=False)
    assert sum(result.defects.values()) > 50
    build(test_db)  # includes the reconciliation tests: source = kept + rejected, per table
    with test_db.connect() as pg:
        found = dict(((t, r), n) for t, r, n in pg.execute(
            "select source_table, reject_rule, count(*) from phm_stg.stg_phm_edw__rejects group by 1, 2").fetchall())
    assert found == result.defects
    rows = {name: (source, kept, rejected) for name, source, kept, rejected in reject_summary(test_db)}
    obs_source, obs_kept, obs_rejected = rows["observation"]
    assert obs_rejected == sum(n for (t, _), n in result.defects.items() if t == "observation")
    assert obs_source == obs_kept + obs_rejected
