"""The star over two runs: idempotence, stable keys, Type 2 patients and the fact_care_gap upsert."""

from __future__ import annotations

from datetime import date

import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import generate_and_load
from tests_support import AS_OF, build


def mart_checksums(conn: Connection) -> dict[str, tuple[int, str]]:
    """Row count and an md5 over every row of every phm_star table, in primary-key order."""
    out = {}
    with conn.connect() as pg:
        tables = [r[0] for r in pg.execute(
            "select table_name from information_schema.tables where table_schema = 'phm_star' "
            "and table_type = 'BASE TABLE' order by 1").fetchall()]
        for name in tables:
            row = pg.execute(f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) "
                             f"from phm_star.{name} t").fetchone()
            out[name] = (int(row[0]), row[1])  # type: ignore[index]
    return out


@pytest.fixture(scope="module")
def warehouse(test_db: Connection) -> Connection:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 1_200, seed=21, as_of=AS_OF, progress=False)
    build(test_db)
    return test_db


def test_rerun_without_change_alters_nothing(warehouse: Connection) -> None:
    before = mart_checksums(warehouse)
    build(warehouse)
    after = mart_checksums(warehouse)
    assert len(before) >= 20
    assert after == before  # same rows, same keys, same values in every mart; dim_patient gained no version


def test_care_gap_upsert_updates_the_row_in_place(warehouse: Connection) -> None:
    with warehouse.connect() as pg:
        gap_id, identified = pg.execute(
            "select care_gap_id, cast(identified_date as date) from phm_edw.care_gap "
            "where lower(gap_status) = 'open' order by care_gap_id limit 1").fetchone()  # type: ignore[misc]
        rows_before = pg.execute("select count(*) from phm_star.fact_care_gap").fetchone()[0]  # type: ignore[index]
        assert pg.execute("select gap_status from phm_star.fact_care_gap where care_gap_key = %s",
                          (gap_id,)).fetchone()[0] == "Open"  # type: ignore[index]
        pg.execute("update phm_edw.care_gap set gap_status = 'Closed', resolved_date = identified_date + interval '12 days', "
                   "updated_date = timestamp '2026-06-29 10:00' where care_gap_id = %s", (gap_id,))
    build(warehouse)
    with warehouse.connect() as pg:
        rows = pg.execute("select gap_status, days_open, date_key_resolved from phm_star.fact_care_gap "
                          "where care_gap_key = %s", (gap_id,)).fetchall()
        rows_after = pg.execute("select count(*) from phm_star.fact_care_gap").fetchone()[0]  # type: ignore[index]
    resolved = date.fromordinal(identified.toordinal() + 12)
    assert rows == [("Closed", 12, int(resolved.strftime("%Y%m%d")))]
    assert rows_after == rows_before


def test_patient_change_adds_one_version_and_keeps_old_keys(warehouse: Connection) -> None:
    with warehouse.connect() as pg:
        old = dict(pg.execute("select patient_key, patient_id from phm_star.dim_patient").fetchall())
        providers = dict(pg.execute("select provider_id, provider_key from phm_star.dim_provider").fetchall())
        pid = 7
        old_key = pg.execute("select patient_key from phm_star.dim_patient where patient_id = %s and is_current",
                             (pid,)).fetchone()[0]  # type: ignore[index]
        pg.execute("update phm_edw.patient set last_name = 'Renamed', updated_date = timestamp '2026-06-29 11:00' "
                   "where patient_id = %s", (pid,))
    build(warehouse)
    with warehouse.connect() as pg:
        new = dict(pg.execute("select patient_key, patient_id from phm_star.dim_patient").fetchall())
        versions = pg.execute("select patient_key, last_name, is_current from phm_star.dim_patient "
                              "where patient_id = %s order by version_number", (pid,)).fetchall()
        providers_after = dict(pg.execute("select provider_id, provider_key from phm_star.dim_provider").fetchall())
    assert len(new) == len(old) + 1
    assert all(new[key] == patient for key, patient in old.items())  # every old key still means the same patient
    assert versions[0][0] == old_key and versions[0][2] is False
    assert versions[1][1] == "Renamed" and versions[1][2] is True and versions[1][0] > max(old)
    assert providers_after == providers


def test_an_unchanged_night_skips_the_build_and_is_audited(warehouse: Connection) -> None:
    from phm import audit
    from phm.orchestrate import nightly
    from tests_support import RUN_VARS

    build(warehouse)  # a forced, published build: the baseline
    before = mart_checksums(warehouse)
    report = nightly(warehouse, show_progress=False, extra_vars=RUN_VARS)
    assert report.up_to_date and report.steps == []
    assert mart_checksums(warehouse) == before
    with warehouse.connect() as pg:
        runs = pg.execute("select status, published, source_rows, loaded_rows + rejected_rows from phm_audit.run "
                          "order by run_id desc limit 2").fetchall()
        edw_rows = sum(pg.execute(f"select count(*) from phm_edw.{t}").fetchone()[0]  # type: ignore[index]
                       for (t,) in pg.execute("select table_name from information_schema.tables "
                                              "where table_schema = 'phm_edw'").fetchall())
        steps = pg.execute("select step, status, rows_affected ? 'fact_patient_composite' from phm_audit.run_step "
                           "where run_id = (select max(run_id) from phm_audit.run where status = 'success') "
                           "order by step_order").fetchall()
    assert runs[0][:2] == ("up to date", False)
    assert runs[1][:2] == ("success", True)
    assert runs[1][2] == runs[1][3] == edw_rows  # source rows = loaded + rejected, and all of the EDW
    assert steps == [("seed", "success", False), ("build up to the risk features", "success", False),
                     ("risk scoring (phm score)", "success", False),
                     ("risk scores, dashboards, audit and publish", "success", True)]
    # any change in the EDW (here one gap's updated_date) changes the fingerprint: the next night builds
    fp = audit.fingerprint(warehouse, AS_OF, RUN_VARS)
    with warehouse.connect() as pg:
        pg.execute("update phm_edw.care_gap set updated_date = coalesce(updated_date, created_date) + interval '1 second' "
                   "where care_gap_id = (select min(care_gap_id) from phm_edw.care_gap)")
    assert audit.fingerprint(warehouse, AS_OF, RUN_VARS) != fp
    assert audit.fingerprint(warehouse, date(2026, 7, 1), RUN_VARS) != audit.fingerprint(warehouse, AS_OF, RUN_VARS)
