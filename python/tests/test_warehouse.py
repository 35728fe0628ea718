"""The star over two runs: idempotence, stable keys, Type 2 patients and the fact_care_gap upsert."""

from __future__ import annotations

from datetime import date
from typing import Callable

import pytest

from phm.db import Connection
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
def warehouse(copy_star: Callable[[], Connection]) -> Connection:
    """A copy of the session's built and published warehouse (1,500 patients), the module's to change."""
    return copy_star()


@pytest.mark.slow  # one more nightly build (~90 s): the slower tier
def test_rerun_without_change_alters_nothing(warehouse: Connection) -> None:
    before = mart_checksums(warehouse)
    build(warehouse)
    after = mart_checksums(warehouse)
    assert len(before) >= 20
    assert after == before  # same rows, same keys, same values in every mart; dim_patient gained no version


def _set_status(conn: Connection, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                *args: str) -> tuple[int, str, str]:
    from phm import cli

    monkeypatch.setenv("PHM_DATABASE_URL", conn.url())
    code = cli.main(["recommendation", "status", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_recommendation_status_is_user_data_set_through_the_cli(
        warehouse: Connection, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`phm recommendation status` appends to phm_app (never rebuilt by dbt); the star reads it at the next
    nightly (test_recommendation_status_survives_two_nightlies, below, after the
    builds of the tests in between). A bad ID or status is one line."""
    with warehouse.connect() as pg:
        key, status = pg.execute("select recommendation_key, status from phm_star.dim_recommendation "
                                 "where recommendation_code = 'TRANSITIONS_OF_CARE'").fetchone()  # type: ignore[misc]
    assert status == "not_started"
    code, out, _ = _set_status(warehouse, monkeypatch, capsys, str(key), "accepted", "--note", "pilot at one practice",
                               "--by", "cmo")
    assert code == 0 and out.startswith(f"recommendation {key} (Transitional care after hospital discharge): accepted.")
    with warehouse.connect() as pg:
        history = pg.execute("select recommendation_code, status, note, set_by from phm_app.recommendation_status_history"
                             ).fetchall()
        built = pg.execute("select status from phm_star.dim_recommendation where recommendation_key = %s",
                           (key,)).fetchone()
    assert history == [("TRANSITIONS_OF_CARE", "accepted", "pilot at one practice", "cmo")]
    assert built == ("not_started",)  # until the next nightly
    assert _set_status(warehouse, monkeypatch, capsys, "9999", "accepted")[::2] == (
        1, "phm: error: no recommendation 9999; `phm recommendation list` shows them.\n")
    code, _, err = _set_status(warehouse, monkeypatch, capsys, str(key), "done")
    assert code == 2 and len(err.splitlines()) == 1


@pytest.mark.slow  # one more nightly build (~90 s): the slower tier
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


@pytest.mark.slow  # one more nightly build (~90 s): the slower tier
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


@pytest.mark.slow  # one more nightly build (~90 s): the slower tier
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


@pytest.mark.slow  # in the slower tier the three builds above are its nightlies; in the fast tier it would add two
def test_recommendation_status_survives_two_nightlies(
        warehouse: Connection, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The status set above, before the care-gap, patient-change and unchanged-night tests' builds (each a whole
    nightly), is still there after them, with its history of one change; the nightlies never wrote to phm_app.
    Run alone, the test sets the status itself and runs the two nightlies (slower)."""
    with warehouse.connect() as pg:
        set_at = pg.execute("select max(set_at) from phm_app.recommendation_status_history").fetchone()[0]  # type: ignore[index]
        nights = pg.execute("select count(*) from phm_audit.run where status = 'success' and published "
                            "and started_at > %s", (set_at,)).fetchone()[0] if set_at else 0  # type: ignore[index]
        key = pg.execute("select recommendation_key from phm_star.dim_recommendation "
                         "where recommendation_code = 'TRANSITIONS_OF_CARE'").fetchone()[0]  # type: ignore[index]
    if nights < 2:
        if not set_at:
            assert _set_status(warehouse, monkeypatch, capsys, str(key), "accepted", "--note", "pilot at one practice",
                               "--by", "cmo")[0] == 0
        build(warehouse)
        build(warehouse)
    with warehouse.connect() as pg:
        row = pg.execute("select status, status_note, status_set_by, status_changes from phm_star.dim_recommendation "
                         "where recommendation_key = %s", (key,)).fetchone()
        history = pg.execute("select count(*) from phm_app.recommendation_status_history").fetchone()[0]  # type: ignore[index]
        nights = pg.execute("select count(*) from phm_audit.run where status = 'success' and published and started_at > "
                            "(select max(set_at) from phm_app.recommendation_status_history)").fetchone()[0]  # type: ignore[index]
    assert nights >= 2
    assert row == ("accepted", "pilot at one practice", "cmo", 1)
    assert history == 1


# The spec's keys (spec part 2, written out here from the spec, not read from the project): every foreign
# key as (table, column, referenced table, referenced column).
SPEC_FOREIGN_KEYS = [
    ("bridge_bundle_measure", "bundle_key", "dim_care_gap_bundle", "bundle_key"),
    ("bridge_bundle_measure", "measure_key", "dim_measure", "measure_key"),
    ("fact_care_gap", "bundle_key", "dim_care_gap_bundle", "bundle_key"),
    ("fact_care_gap", "provider_key", "dim_provider", "provider_key"),
    ("fact_care_gap", "org_key", "dim_organization", "org_key"),
    ("fact_patient_bundle", "patient_key", "dim_patient", "patient_key"),
    ("fact_patient_bundle", "bundle_key", "dim_care_gap_bundle", "bundle_key"),
    ("fact_patient_bundle", "provider_key", "dim_provider", "provider_key"),
    ("fact_patient_bundle", "org_key", "dim_organization", "org_key"),
    ("fact_patient_bundle", "date_key_assigned", "dim_date", "date_key"),
    ("fact_patient_bundle", "date_key_last_eval", "dim_date", "date_key"),
    ("fact_patient_bundle_detail", "patient_bundle_key", "fact_patient_bundle", "patient_bundle_key"),
    ("fact_patient_bundle_detail", "patient_key", "dim_patient", "patient_key"),
    ("fact_patient_bundle_detail", "bundle_key", "dim_care_gap_bundle", "bundle_key"),
    ("fact_patient_bundle_detail", "measure_key", "dim_measure", "measure_key"),
    ("fact_patient_bundle_detail", "date_key_last_action", "dim_date", "date_key"),
    ("fact_patient_composite", "patient_key", "dim_patient", "patient_key"),
    ("fact_patient_composite", "provider_key", "dim_provider", "provider_key"),
    ("fact_patient_composite", "org_key", "dim_organization", "org_key"),
    ("fact_patient_composite", "payer_key", "dim_payer", "payer_key"),
    ("fact_patient_composite", "date_key_snapshot", "dim_date", "date_key"),
    ("fact_provider_quality", "provider_key", "dim_provider", "provider_key"),
    ("fact_provider_quality", "org_key", "dim_organization", "org_key"),
    ("fact_provider_quality", "bundle_key", "dim_care_gap_bundle", "bundle_key"),
    ("fact_provider_quality", "date_key_period", "dim_date", "date_key"),
    ("fact_ai_risk_score", "patient_key", "dim_patient", "patient_key"),
    ("fact_ai_risk_score", "risk_model_key", "dim_risk_model", "risk_model_key"),
    ("fact_ai_risk_score", "date_key_scored", "dim_date", "date_key"),
    ("fact_population_snapshot", "org_key", "dim_organization", "org_key"),
    ("fact_population_snapshot", "date_key_snapshot", "dim_date", "date_key"),
    ("fact_population_snapshot", "bundle_key", "dim_care_gap_bundle", "bundle_key"),
]
SPEC_INDEXES = {
    "idx_composite_provider", "idx_composite_org", "idx_composite_risk", "idx_composite_compliance",
    "idx_composite_bundles", "idx_composite_conditions", "idx_patient_bundle_patient", "idx_patient_bundle_bundle",
    "idx_patient_bundle_compliance", "idx_patient_bundle_provider", "idx_bundle_detail_patient",
    "idx_bundle_detail_status", "idx_bundle_detail_overdue", "idx_care_gap_status", "idx_care_gap_patient_measure",
    "idx_care_gap_bundle", "idx_encounter_date", "idx_encounter_patient", "idx_diagnosis_patient",
    "idx_diagnosis_condition", "idx_observation_patient_code", "idx_observation_date", "idx_med_order_patient",
    "idx_risk_score_patient", "idx_risk_score_model_date", "idx_provider_quality_provider",
    "idx_provider_quality_bundle", "idx_pop_snapshot_org_date", "idx_pop_snapshot_bundle",
}


def test_spec_keys_are_constraints_in_the_published_star(warehouse: Connection) -> None:
    """After several rebuilds and publish swaps (the tests above), phm_star holds the spec's 31 foreign keys
    (named <table>_<column>_fkey, PostgreSQL's own naming, as the spec gives no names), its two UNIQUE
    constraints, the five NOT NULLs it lists, some of its DEFAULTs and its 29 named indexes."""
    with warehouse.connect() as pg:
        fks = set(pg.execute(
            "select t.relname, c.conname, a.attname, rt.relname, ra.attname from pg_constraint c "
            "join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace "
            "join pg_class rt on rt.oid = c.confrelid "
            "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
            "join pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = c.confkey[1] "
            "where n.nspname = 'phm_star' and c.contype = 'f' and rt.relnamespace = n.oid").fetchall())
        uniques = {(t, tuple(cols)) for t, cols in pg.execute(
            "select t.relname, array(select a.attname from unnest(c.conkey) with ordinality k(n, i) "
            "join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n order by k.i) from pg_constraint c "
            "join pg_class t on t.oid = c.conrelid join pg_namespace n on n.oid = t.relnamespace "
            "where n.nspname = 'phm_star' and c.contype = 'u'").fetchall()}
        not_null = dict(((t, c), nn) for t, c, nn in pg.execute(
            "select c.relname, a.attname, a.attnotnull from pg_attribute a join pg_class c on c.oid = a.attrelid "
            "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'phm_star' and a.attnum > 0").fetchall())
        defaults = dict(((t, c), d) for t, c, d in pg.execute(
            "select c.relname, a.attname, pg_get_expr(d.adbin, d.adrelid) from pg_attrdef d "
            "join pg_class c on c.oid = d.adrelid join pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum "
            "join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'phm_star'").fetchall())
        indexes = {r[0] for r in pg.execute("select indexname from pg_indexes where schemaname = 'phm_star'").fetchall()}
    expected = {(t, f"{t}_{c}_fkey", c, rt, rc) for t, c, rt, rc in SPEC_FOREIGN_KEYS}
    assert len(expected) == 31
    assert expected <= fks, sorted(expected - fks)
    assert ("bridge_bundle_measure", ("bundle_key", "measure_key")) in uniques
    assert ("fact_patient_bundle_detail", ("patient_key", "bundle_key", "measure_key")) in uniques
    assert ("fact_patient_composite", ("patient_key",)) in uniques
    for table, column in [("dim_risk_model", "model_name"), ("dim_risk_model", "effective_start"),
                          ("fact_patient_bundle", "total_measures"), ("fact_patient_bundle", "measures_met"),
                          ("fact_patient_bundle", "measures_open")]:
        assert not_null[(table, column)], (table, column)
    assert defaults[("dim_care_gap_bundle", "total_diseases")] == "45"
    assert defaults[("fact_patient_bundle_detail", "gap_status")].startswith("'Open'")
    assert defaults[("fact_patient_bundle", "measures_met")] == "0"
    assert defaults[("dim_risk_model", "effective_end")].startswith("'9999-12-31'")
    assert SPEC_INDEXES <= indexes, sorted(SPEC_INDEXES - indexes)


@pytest.mark.slow
def test_synthea_class_encounters_count_as_visits_and_unknown_values_are_reported(warehouse: Connection) -> None:
    """The same EDW with its encounter types written as Synthea's classes (ambulatory, wellness, virtual, ...)
    and its genders as F/M, as another loader writes them, gives the same MIPS eligibility and risk features;
    one encounter of an unknown type is kept as UNMAPPED and reported with its count."""
    from phm.orchestrate import nightly, unmapped_vocabulary
    from tests_support import RUN_VARS

    with warehouse.connect() as pg:
        before = pg.execute("select count(*) filter (where mips_eligible), count(*) "
                            "from phm_star.fact_patient_composite").fetchone()
        encounters = pg.execute("select count(*) from phm_edw.encounter").fetchone()[0]  # type: ignore[index]
        pg.execute("update phm_edw.encounter set encounter_type = case encounter_type "
                   "when 'Office Visit' then 'ambulatory' when 'Annual Wellness' then 'wellness' "
                   "when 'Telehealth' then 'virtual' when 'Emergency' then 'emergency' "
                   "when 'Inpatient' then 'inpatient' else encounter_type end, "
                   "updated_date = timestamp '2026-06-29 12:00'")
        pg.execute("update phm_edw.patient set gender = left(gender, 1), updated_date = timestamp '2026-06-29 12:00'")
        pg.execute("update phm_edw.encounter set encounter_type = 'carrier pigeon' "
                   "where encounter_id = (select max(encounter_id) from phm_edw.encounter)")
    report = nightly(warehouse, show_progress=False, extra_vars=RUN_VARS, force=True)
    assert report.ok, [f for step in report.steps for f in step.failures]
    with warehouse.connect() as pg:
        after = pg.execute("select count(*) filter (where mips_eligible), count(*) "
                           "from phm_star.fact_patient_composite").fetchone()
        kept = pg.execute("select count(*) from phm_stg.stg_phm_edw__encounter").fetchone()[0]  # type: ignore[index]
        genders = {r[0] for r in pg.execute("select distinct gender from phm_stg.stg_phm_edw__patient").fetchall()}
        # independently: adults with an attributed provider and an encounter of a Synthea visit class
        # (ambulatory, wellness, virtual) in the 12 months before the run date, counted on the EDW itself
        expected = pg.execute(
            "select count(*) from phm_star.fact_patient_composite c "
            "join phm_star.dim_patient p on p.patient_key = c.patient_key "
            "where c.age >= 18 and c.provider_key is not null and exists ("
            "  select 1 from phm_edw.encounter e where e.patient_id = p.patient_id and e.active_ind = 'Y'"
            "  and e.encounter_type in ('ambulatory', 'wellness', 'virtual')"
            "  and cast(e.encounter_datetime as date) > %s - interval '12 months'"
            "  and cast(e.encounter_datetime as date) <= %s)", (AS_OF, AS_OF)).fetchone()[0]  # type: ignore[index]
    assert before is not None and after is not None
    assert after[0] == expected
    assert after[0] > 0.8 * after[1]  # a plausible share, as with the generator's own spellings
    assert abs(after[0] - before[0]) <= 2
    assert kept == encounters  # nothing dropped
    assert genders == {"FEMALE", "MALE"}
    assert unmapped_vocabulary(warehouse) == [("encounter_type", "CARRIER PIGEON", 1)]
