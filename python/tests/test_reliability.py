"""Reliability (issue 14) on a copy of the session's built warehouse: a kill -9 during the build, honest exit
codes and audit, pinned readers across a publish, and (slow tier) patient changes and bad rows of every
class against a full rebuild."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import psycopg
import pytest

from phm.db import Connection
from phm.orchestrate import nightly
from tests_support import RUN_VARS, build
from test_warehouse import mart_checksums

# The `phm run` the crash test kills: the nightly job of the CLI, with the run date pinned.
RUN_SCRIPT = f"""
from phm.db import current_connection
from phm.orchestrate import nightly
report = nightly(current_connection(), show_progress=False, extra_vars={RUN_VARS!r}, force=True)
raise SystemExit(0 if report.ok else 1)
"""


@pytest.fixture(scope="module")
def built(copy_star: Callable[[], Connection]) -> dict[str, object]:
    """A copy of the session's built warehouse (1,500 patients), and the checksums of that uninterrupted build."""
    conn = copy_star()
    return {"conn": conn, "checksums": mart_checksums(conn)}


def _wait(predicate, timeout: float = 120.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _one(pg: psycopg.Connection, sql: str, *args: object) -> object:
    row = pg.execute(sql, args).fetchone()  # type: ignore[arg-type]
    return None if row is None else row[0]


def test_kill_during_the_build_then_rerun_converges(built: dict[str, object], capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """kill -9 at one fixed point (the build waiting for fact_encounter), then: a second run refuses while
    the first holds the run lock; the next run marks the killed one abandoned, ends the session it left,
    and converges on the checksums of the uninterrupted build. A reader pinned on the published build
    (REPEATABLE READ, phm_star_v<N>) reads the same rows before and after the rerun's publish."""
    from phm import cli

    conn: Connection = built["conn"]  # type: ignore[assignment]
    monkeypatch.setenv("PHM_DATABASE_URL", conn.url())
    with conn.connect() as pg:
        runs_before = int(_one(pg, "select count(*) from phm_audit.run"))  # type: ignore[arg-type]
        version = _one(pg, "select version_schema from phm_audit.publish_log order by published_at desc limit 1")
    assert version is not None  # every publish is also kept under a stable name

    # a long reader: REPEATABLE READ, pins the published build by its stable name
    reader = psycopg.connect(conn.url())
    reader.execute("set transaction isolation level repeatable read")
    pinned = _one(reader, "select version_schema from phm_audit.publish_log order by published_at desc limit 1")
    before = reader.execute(f"select count(*), sum(total_measures_open) from {pinned}.fact_patient_composite").fetchone()

    # the fixed point: the build blocks on fact_encounter, which this session holds
    blocker = psycopg.connect(conn.url())
    blocker.execute("lock table phm_star_build.fact_encounter in access exclusive mode")
    env = dict(os.environ, PHM_DATABASE_URL=conn.url(), PYTHONPATH=str(Path(__file__).parents[1]))
    killed = subprocess.Popen([sys.executable, "-c", RUN_SCRIPT], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    watcher = conn.connect()
    try:
        def waiting_backend() -> int | None:
            return _one(watcher, "select pid from pg_stat_activity where application_name = 'phm run' "  # type: ignore[return-value]
                                 "and wait_event_type = 'Lock' limit 1")
        _wait(lambda: waiting_backend() is not None, timeout=900, what="the build to reach fact_encounter")
        orphan = waiting_backend()

        # a second `phm run` while the first is alive: refused in one line, nothing done
        assert cli.main(["run"]) == 1
        err = capsys.readouterr().err.strip()
        assert err.startswith(f"phm: error: another `phm run` is running on {conn.dbname} (audit run ")
        assert "\n" not in err

        os.kill(killed.pid, signal.SIGKILL)
        assert killed.wait(timeout=30) == -signal.SIGKILL
        assert _one(watcher, "select count(*) from pg_stat_activity where pid = %s", orphan) == 1  # left behind
        _wait(lambda: _one(watcher, "select count(*) from pg_locks where locktype = 'advisory'") == 0,
              what="the killed run's lock session to end")
        killed_run = _one(watcher, "select max(run_id) from phm_audit.run")
        assert _one(watcher, "select status from phm_audit.run where run_id = %s", killed_run) == "running"

        # the next run: finds the killed one, ends its session, then builds (released once the orphan is gone)
        result: dict[str, object] = {}
        rerun = threading.Thread(target=lambda: result.update(
            report=nightly(conn, show_progress=False, extra_vars=RUN_VARS, force=True)), daemon=True)
        rerun.start()
        _wait(lambda: _one(watcher, "select count(*) from pg_stat_activity where pid = %s", orphan) == 0,
              what="the orphaned session to be terminated")
    finally:
        if killed.poll() is None:
            killed.kill()
        blocker.close()  # releases fact_encounter
        watcher.close()
    rerun.join(timeout=1800)
    report = result["report"]
    assert report.ok and report.published, [f for s in report.steps for f in s.failures]  # type: ignore[attr-defined]
    assert mart_checksums(conn) == built["checksums"]  # converged on the uninterrupted build

    with conn.connect() as pg:
        status, last_seen, error, started = pg.execute(
            "select status, last_seen_at, error, started_at from phm_audit.run where run_id = %s",
            (killed_run,)).fetchone()  # type: ignore[misc]
        assert _one(pg, "select count(*) from phm_audit.run") == runs_before + 2  # the killed run and the rerun
    assert status == "abandoned" and last_seen >= started
    assert f"last seen {last_seen:%Y-%m-%d %H:%M:%S}" in error

    # the pinned reader: the same rows after the publish it spanned
    after = reader.execute(f"select count(*), sum(total_measures_open) from {pinned}.fact_patient_composite").fetchone()
    reader.close()
    assert after == before and before[0] > 0  # type: ignore[index]


def test_selection_that_matches_nothing_fails_naming_it(built: dict[str, object], capsys: pytest.CaptureFixture[str],
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from phm import cli

    conn: Connection = built["conn"]  # type: ignore[assignment]
    monkeypatch.setenv("PHM_DATABASE_URL", conn.url())
    with conn.connect() as pg:
        runs = _one(pg, "select count(*) from phm_audit.run")
    for selection in ("tag:xyz", "+++", "no_such_model"):
        assert cli.main(["run", "--select", selection]) == 1
        err = capsys.readouterr().err.strip()
        assert err == f"phm: error: --select '{selection}' matches no model, seed, snapshot or test; nothing was built."
    with conn.connect() as pg:
        assert _one(pg, "select count(*) from phm_audit.run") == runs  # nothing ran, nothing was audited


def test_abigail_unknown_patient_provider_or_bundle_is_not_found(built: dict[str, object],
                                                                 capsys: pytest.CaptureFixture[str],
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from phm import cli

    conn: Connection = built["conn"]  # type: ignore[assignment]
    monkeypatch.setenv("PHM_DATABASE_URL", conn.url())
    cases = {
        ("open-gaps", "--patient", "999999"): "patient 999999 not found in the published star (phm_star.dim_patient.patient_id).",
        ("provider-bundle-performance", "--provider", "999999"):
            "provider 999999 not found in the published star (phm_star.dim_provider.provider_id).",
        ("bundle-trend", "--bundle", "NOPE"):
            "bundle NOPE not found in the published star (phm_star.dim_care_gap_bundle.bundle_code).",
    }
    for args, message in cases.items():
        assert cli.main(["abigail", *args]) == 1
        assert capsys.readouterr().err.strip() == f"phm: error: {message}"


def test_summary_with_the_database_down_exits_non_zero(capsys: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from phm import cli

    with socket_closed_port() as port:
        monkeypatch.setenv("PHM_DATABASE_URL", f"postgresql://phm:x@127.0.0.1:{port}/nowhere")
        assert cli.main(["summary"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"phm: error: Cannot connect to PostgreSQL at 127.0.0.1:{port} (") and "\n" not in err


def test_generate_refuses_more_patients_than_the_machine_holds_before_any_work(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from phm import cli

    monkeypatch.setenv("PHM_DATABASE_URL", "postgresql://phm:x@127.0.0.1:1/never_reached")  # proves no connection
    assert cli.main(["edw", "generate", "--patients", "20000000"]) == 1
    err = capsys.readouterr().err.strip()
    assert err == ("phm: error: --patients 20,000,000 is more than this machine can hold: at most 10,000,000 "
                   "(the generator's limit).")


class socket_closed_port:
    """A local TCP port with nothing listening on it."""

    def __enter__(self) -> int:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        return None


# --------------------------------------------------------------------------- slow tier: changes and bad rows

# Patient-level results, compared whole: everything a patient's dashboard row, bundles, worklist, risk
# features and snapshots hold. Event facts are compared by their source ids (their patient_key is, by
# design, the version current when each row was loaded).
PATIENT_LEVEL = ("phm_star.fact_patient_composite", "phm_star.fact_patient_bundle", "phm_star.fact_patient_bundle_detail",
                 "phm_star.mv_care_gap_worklist", "phm_star.mv_patient_dashboard", "phm_star.fact_population_snapshot",
                 "phm_star.fact_provider_quality", "phm_int.int_risk_features")
EVENT_FACTS = {"fact_encounter": "encounter_id", "fact_observation": "observation_id", "fact_care_gap": "care_gap_id",
               "fact_diagnosis": "condition_diagnosis_id", "fact_medication_order": "medication_order_id",
               "fact_sdoh": "sdoh_assessment_id", "fact_procedure": "procedure_performed_id",
               "fact_immunization": "immunization_id", "fact_patient_insurance": "coverage_id"}
CHANGED = "timestamp '2026-06-29 12:00'"


def patient_level(conn: Connection) -> dict[str, object]:
    out: dict[str, object] = {}
    with conn.connect() as pg:
        for table in PATIENT_LEVEL:
            out[table] = sorted(r[0] for r in pg.execute(f"select t::text from {table} t").fetchall())
        for table, column in EVENT_FACTS.items():
            out[table] = sorted(r[0] for r in pg.execute(f"select {column} from phm_star.{table}").fetchall())
    return out


# One bad row of every class, into every kind of table (a dimension, an event, a code catalogue, the care
# gaps, a screening), each expected once with its rule: the answer is this dict, written by hand.
BAD_ROWS = {
    ("patient", "null_key"): "insert into phm_edw.patient (patient_id, mrn, first_name, last_name, date_of_birth, created_date) "
                             "values (null, 'BAD-1', 'No', 'Key', date '1960-01-01', {t})",
    ("patient", "duplicate_key"): "insert into phm_edw.patient (patient_id, mrn, first_name, last_name, date_of_birth, created_date) "
                                  "select patient_id, mrn, first_name, last_name, date_of_birth, timestamp '2000-01-01' "
                                  "from phm_edw.patient where patient_id = {p}",
    ("observation", "null_key"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                 "observation_code, value_numeric, created_date) values (null, {p}, {d}, '4548-4', 7, {t})",
    ("observation", "null_code"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                  "observation_code, value_numeric, created_date) values (910001, {p}, {d}, ' ', 7, {t})",
    ("observation", "malformed_code"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                       "observation_code, value_numeric, created_date) values (910002, {p}, {d}, '4548-5', 7, {t})",
    ("observation", "orphan_fk"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                  "observation_code, value_numeric, created_date) values (910003, 999999, {d}, '4548-4', 7, {t})",
    ("observation", "out_of_range_date"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                          "observation_code, value_numeric, created_date) "
                                          "values (910004, {p}, timestamp '2027-01-01', '4548-4', 7, {t})",
    ("observation", "implausible_value"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                          "observation_code, value_numeric, created_date) values (910005, {p}, {d}, '4548-4', -5, {t})",
    ("observation", "non_numeric_value"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                          "observation_code, value_text, created_date) values (910006, {p}, {d}, '4548-4', 'high', {t})",
    ("observation", "duplicate_key"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                      "observation_code, value_numeric, created_date) "
                                      "select observation_id, patient_id, observation_datetime - interval '1 day', observation_code, "
                                      "value_numeric, timestamp '2000-01-01' from phm_edw.observation "
                                      "where observation_id = (select min(observation_id) from phm_edw.observation)",
    ("observation", "duplicate_record"): "insert into phm_edw.observation (observation_id, patient_id, observation_datetime, "
                                         "observation_code, value_numeric, value_text, created_date) "
                                         "select 910007, patient_id, observation_datetime, observation_code, value_numeric, "
                                         "value_text, timestamp '2000-01-01' from phm_edw.observation "
                                         "where observation_id = (select max(observation_id) from phm_edw.observation "
                                         "where observation_id < 900000)",
    ("encounter", "invalid_period"): "insert into phm_edw.encounter (encounter_id, patient_id, encounter_datetime, "
                                     "encounter_type, admission_datetime, discharge_datetime, created_date) values "
                                     "(920001, {p}, {d}, 'Inpatient', {d}, {d} - interval '2 days', {t})",
    ("condition", "invalid_code_system"): "insert into phm_edw.condition (condition_id, condition_code, condition_name, "
                                          "code_system, created_date) values (930001, 'V70.0', 'General exam', 'ICD9', {t})",
    ("condition_diagnosis", "invalid_period"): "insert into phm_edw.condition_diagnosis (condition_diagnosis_id, patient_id, "
                                               "condition_id, diagnosis_status, onset_date, resolution_date, created_date) "
                                               "select 940001, {p}, min(condition_id), 'Resolved', date '2026-03-01', "
                                               "date '2026-02-01', {t} from phm_edw.condition",
    ("medication_order", "invalid_period"): "insert into phm_edw.medication_order (medication_order_id, patient_id, "
                                            "medication_id, start_datetime, end_datetime, created_date) "
                                            "select 950001, {p}, min(medication_id), {d}, {d} - interval '30 days', {t} "
                                            "from phm_edw.medication",
    ("care_gap", "invalid_period"): "insert into phm_edw.care_gap (care_gap_id, patient_id, measure_id, gap_status, "
                                    "identified_date, resolved_date, created_date) select 960001, {p}, min(measure_id), "
                                    "'Closed', {d}, {d} - interval '9 days', {t} from phm_edw.measure_definition",
    ("care_gap", "invalid_value"): "insert into phm_edw.care_gap (care_gap_id, patient_id, measure_id, gap_status, "
                                   "identified_date, created_date) select 960002, {p}, min(measure_id), 'Pending', {d}, {t} "
                                   "from phm_edw.measure_definition",
    ("sdoh_assessment", "implausible_value"): "insert into phm_edw.sdoh_assessment (sdoh_assessment_id, patient_id, "
                                              "assessment_date, social_isolation_score, created_date) "
                                              "values (970001, {p}, date '2026-05-01', 999, {t})",
}


@pytest.fixture(scope="module")
def with_bad_gap(copy_star: Callable[[], Connection]) -> Connection:
    """A copy of the session's warehouse whose EDW gains one gap resolved before it was identified (to be
    corrected later), built: the gap is rejected as invalid_period and is the only reject."""
    conn = copy_star()
    with conn.connect() as pg:
        pg.execute("insert into phm_edw.care_gap (care_gap_id, patient_id, measure_id, gap_status, identified_date, "
                   "resolved_date, created_date) select 900001, patient_id, measure_id, 'Closed', "
                   "timestamp '2026-03-01', timestamp '2026-02-01', timestamp '2026-03-01' "
                   "from phm_edw.care_gap order by care_gap_id limit 1")
    build(conn)
    with conn.connect() as pg:
        assert pg.execute("select source_table, reject_rule, reject_value from phm_stg.stg_phm_edw__rejects").fetchall() \
            == [("care_gap", "invalid_period", "2026-02-01 00:00:00")]
    return conn


@pytest.mark.slow
def test_patient_changes_bad_rows_and_retractions_match_a_full_rebuild(with_bad_gap: Connection) -> None:
    """A rename, an address move and a PCP change; one bad row of every class in every kind of table; a
    gap corrected, a gap made invalid and an observation deleted: the nightly stays green and publishes,
    rejects exactly the bad rows, and every patient-level result equals a --full-refresh rebuild's."""
    conn = with_bad_gap
    with conn.connect() as pg:
        # three patients with visits in the last 12 months, an SDOH screen and coverage: their rows must not change
        renamed, moved, new_pcp = (r[0] for r in pg.execute(
            "select p.patient_id from phm_star.fact_patient_composite c join phm_star.dim_patient p "
            "on p.patient_key = c.patient_key where c.encounters_last_12mo > 0 and c.social_isolation_score is not null "
            "and c.payer_key is not null order by p.patient_id limit 3").fetchall())
        before = dict(pg.execute(
            "select p.patient_id, (c.encounters_last_12mo, c.last_encounter_date_key, c.mips_eligible, c.payer_key, "
            "c.social_isolation_score, c.hcc_risk_score)::text from phm_star.fact_patient_composite c "
            "join phm_star.dim_patient p on p.patient_key = c.patient_key where p.patient_id in (%s, %s)",
            (renamed, moved)).fetchall())
        pg.execute(f"update phm_edw.patient set last_name = last_name || '-Renamed', updated_date = {CHANGED} "
                   f"where patient_id = %s", (renamed,))
        pg.execute(f"update phm_edw.patient set address_id = (select max(address_id) from phm_edw.address), "
                   f"updated_date = {CHANGED} where patient_id = %s", (moved,))
        pg.execute(f"update phm_edw.patient set pcp_provider_id = (select min(provider_id) from phm_edw.provider "
                   f"where provider_id <> coalesce(patient.pcp_provider_id, -1)), updated_date = {CHANGED} "
                   f"where patient_id = %s", (new_pcp,))
        # corrected: the fixture's gap resolved before identified; retracted: one gap made invalid, one observation deleted
        pg.execute(f"update phm_edw.care_gap set resolved_date = timestamp '2026-03-05', updated_date = {CHANGED} "
                   "where care_gap_id = 900001")
        invalidated = pg.execute(f"update phm_edw.care_gap set resolved_date = identified_date - interval '1 day', "
                                 f"gap_status = 'Closed', updated_date = {CHANGED} where care_gap_id = "
                                 "(select min(care_gap_id) from phm_edw.care_gap) returning care_gap_id").fetchone()[0]  # type: ignore[index]
        deleted = pg.execute("delete from phm_edw.observation where observation_id = "
                             "(select min(observation_id) + 1 from phm_edw.observation) returning observation_id"
                             ).fetchone()[0]  # type: ignore[index]
        # the bad rows: keys and references are the EDW's constraints, lifted as a broken feed would
        for table in ("patient", "observation"):
            pg.execute(f"alter table phm_edw.{table} drop constraint {table}_pkey cascade")
            pg.execute(f"alter table phm_edw.{table} alter column {table}_id drop not null")
        pg.execute("set session_replication_role = replica")  # no foreign-key triggers: orphans get in
        for sql in BAD_ROWS.values():
            pg.execute(sql.format(p=moved, d="timestamp '2026-05-15 10:00'", t=CHANGED))
        pg.execute("set session_replication_role = origin")

    report = nightly(conn, show_progress=False, extra_vars=RUN_VARS, force=True)
    assert report.ok and report.published, [f for s in report.steps for f in s.failures]  # green and published
    source_tests = report.steps[1].counts
    assert set(source_tests) <= {"success", "pass", "warn"} and source_tests["warn"] == 4, source_tests
    expected = {key: 1 for key in BAD_ROWS}
    expected[("care_gap", "invalid_period")] += 1  # the gap made invalid on purpose
    with conn.connect() as pg:
        rejects = {(t, r): n for t, r, n in pg.execute(
            "select source_table, reject_rule, count(*) from phm_stg.stg_phm_edw__rejects group by 1, 2").fetchall()}
        shown = dict(pg.execute("select source_key, reject_value from phm_stg.stg_phm_edw__rejects "
                                "where reject_rule = 'implausible_value'").fetchall())
        after = dict(pg.execute(
            "select p.patient_id, (c.encounters_last_12mo, c.last_encounter_date_key, c.mips_eligible, c.payer_key, "
            "c.social_isolation_score, c.hcc_risk_score)::text from phm_star.fact_patient_composite c "
            "join phm_star.dim_patient p on p.patient_key = c.patient_key where p.patient_id in (%s, %s)",
            (renamed, moved)).fetchall())
        versions = pg.execute("select count(*) from phm_star.dim_patient where patient_id in (%s, %s, %s)",
                              (renamed, moved, new_pcp)).fetchone()[0]  # type: ignore[index]
        gaps = dict(pg.execute("select care_gap_id, days_open from phm_star.fact_care_gap "
                               "where care_gap_id in (900001, %s)", (invalidated,)).fetchall())
        observation_kept = pg.execute("select count(*) from phm_star.fact_observation where observation_id = %s",
                                      (deleted,)).fetchone()[0]  # type: ignore[index]
    assert rejects == expected
    assert shown == {"910005": "-5.0000", "970001": "999"}  # the value is shown with the reason
    assert versions == 6  # each changed patient has a second version
    assert after == before  # a rename or a move changes none of the dashboard row
    assert gaps == {900001: 4}  # corrected: loaded (identified 2026-03-01, resolved 03-05); invalidated: removed
    assert observation_kept == 0  # deleted in the EDW: removed from the fact
    incremental = patient_level(conn)

    report = nightly(conn, full_refresh=True, show_progress=False, extra_vars=RUN_VARS)
    assert report.ok and report.published, [f for s in report.steps for f in s.failures]
    rebuilt = patient_level(conn)
    assert {t for t in incremental if incremental[t] != rebuilt[t]} == set()
