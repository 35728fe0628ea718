"""Write-audit-publish: readers of phm_star never fail or see a half-built star, and a failed build publishes nothing."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Callable

import psycopg
import pytest

from phm.db import Connection
from phm.orchestrate import nightly
from phm.paths import project_root
from tests_support import AS_OF, build
from test_warehouse import mart_checksums

# One statement reads the four views and the facts behind them, so it sees one published state.
# Every comparison in it holds within any single build, and the date keys tell the builds apart.
DASHBOARD_READ = """
select
    (select count(*) from phm_star.mv_patient_dashboard) as grid_rows,
    (select count(*) from phm_star.fact_patient_composite) as composite_rows,
    (select count(*) from phm_star.mv_care_gap_worklist) as worklist_rows,
    (select count(*) from phm_star.fact_patient_bundle_detail
      where gap_status = 'Open' and not dedup_applied) as open_gaps,
    (select coalesce(sum(patient_count), 0) from phm_star.mv_bundle_compliance_by_provider) as scorecard_patients,
    (select count(*) from phm_star.fact_patient_bundle where provider_key is not null) as attributed_bundles,
    (select max(date_key_snapshot) from phm_star.fact_patient_composite) as composite_date,
    (select max(date_key_snapshot) from phm_star.mv_population_overview) as overview_date,
    (select max(date_key_snapshot) from phm_star.fact_population_snapshot) as snapshot_date,
    (select count(*) from phm_star.mv_patient_dashboard where risk_tier = 'High') as high_risk_rows
"""


class Reader(threading.Thread):
    """Loops over the dashboard read until stopped; records every error and every observed state."""

    def __init__(self, conn: Connection) -> None:
        super().__init__(daemon=True)
        self.url = conn.url()
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.inconsistent: list[tuple] = []
        self.dates: list[int] = []
        self.reads = 0
        self.slowest = 0.0

    def run(self) -> None:
        with psycopg.connect(self.url, autocommit=True) as pg:
            while not self.stop.is_set():
                started = time.perf_counter()
                try:
                    row = pg.execute(DASHBOARD_READ).fetchone()
                except psycopg.Error as exc:  # a reader error is exactly what must never happen
                    self.errors.append(f"{type(exc).__name__}: {exc}".strip())
                    continue
                self.slowest = max(self.slowest, time.perf_counter() - started)
                self.reads += 1
                assert row is not None
                grid, composite, worklist, open_gaps, scorecard, attributed, d1, d2, d3, _ = row
                if not (grid == composite > 0 and worklist == open_gaps > 0 and scorecard == attributed
                        and d1 == d2 == d3):
                    self.inconsistent.append(row)
                if not self.dates or self.dates[-1] != d1:
                    self.dates.append(d1)


@pytest.fixture(scope="module")
def published(copy_star: Callable[[], Connection]) -> Connection:
    """A copy of the session's built and published warehouse (1,500 patients), the module's to change."""
    return copy_star()


def date_key(day) -> int:  # type: ignore[no-untyped-def]
    return int(day.strftime("%Y%m%d"))


def test_readers_see_yesterday_then_today_and_never_an_error(published: Connection) -> None:
    reader = Reader(published)
    reader.start()
    try:
        next_day = AS_OF + timedelta(days=1)
        report = nightly(published, show_progress=False, extra_vars={"run_date": next_day.isoformat()})
        assert report.ok, [f for s in report.steps for f in s.failures]
        time.sleep(0.5)  # a few reads of the new state
    finally:
        reader.stop.set()
        reader.join(timeout=30)
    assert reader.errors == []
    assert reader.inconsistent == []
    assert reader.reads > 20
    # yesterday's star until the publish, today's after it: one switch, never back, nothing in between
    assert reader.dates == [date_key(AS_OF), date_key(AS_OF + timedelta(days=1))]
    with published.connect() as pg:
        swap = pg.execute("select swap_seconds from phm_audit.publish_log order by published_at desc limit 1").fetchone()
        history = pg.execute("select count(distinct date_key_snapshot) from phm_star.fact_population_snapshot").fetchone()
    assert swap is not None and float(swap[0]) < 0.5  # the publish holds its locks for well under a second
    assert history == (2,)  # the population snapshot keeps yesterday's and adds today's


@pytest.mark.slow  # one more nightly build (~90 s): the slower tier
def test_a_failing_build_publishes_nothing(published: Connection) -> None:
    before = mart_checksums(published)
    failing_test = project_root() / "tests" / "zz_deliberately_failing_check.sql"
    failing_test.write_text("-- written and removed by python/tests/test_publish.py\nselect 1 as deliberate_failure\n")
    reader = Reader(published)
    reader.start()
    try:
        report = nightly(published, show_progress=False, extra_vars={"run_date": (AS_OF + timedelta(days=2)).isoformat()})
    finally:
        failing_test.unlink()
        reader.stop.set()
        reader.join(timeout=30)
    assert not report.ok
    assert any("zz_deliberately_failing_check" in f for s in report.steps for f in s.failures)
    assert reader.errors == [] and reader.inconsistent == []
    assert len(reader.dates) == 1  # readers saw one state throughout: the last good build's
    assert mart_checksums(published) == before  # yesterday's data stays, untouched


def test_abigail_analyses_run_on_the_published_star(published: Connection, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    """`phm abigail` compiles an analysis, binds its parameters and prints the published rows."""
    from phm import cli

    monkeypatch.setenv("PHM_DATABASE_URL", published.url())
    with published.connect() as pg:
        patient_id, open_gaps = pg.execute(
            "select p.patient_id, count(*) from phm_star.fact_patient_bundle_detail d "
            "join phm_star.dim_patient p on p.patient_key = d.patient_key "
            "where d.gap_status = 'Open' and not d.dedup_applied group by 1 order by 2 desc, 1 limit 1").fetchone()
        copd_orgs = pg.execute(
            "select count(distinct s.org_key) from phm_star.fact_population_snapshot s "
            "join phm_star.dim_care_gap_bundle b on b.bundle_key = s.bundle_key where b.bundle_code = 'COPD'"
        ).fetchone()[0]
    assert cli.main(["abigail", "open-gaps", "--patient", str(patient_id)]) == 0
    assert f"{open_gaps} row(s)" in capsys.readouterr().out
    # the COPD trend: one row per organization per snapshot, and the two builds of the first test are two dates
    assert cli.main(["abigail", "bundle-trend"]) == 0
    assert f"{2 * copd_orgs} row(s)" in capsys.readouterr().out
    assert cli.main(["abigail", "open-gaps"]) == 1
    assert capsys.readouterr().err.strip() == "phm: error: analysis 'open-gaps' needs --patient"
