"""End to end: a generated EDW through the nightly build (dbt seed, snapshot, build with every test).

The fast tier reads the session's shared warehouse (conftest.star, 1,500 patients); the slower tier
builds the size `make demo` builds and a defective EDW."""

from __future__ import annotations

import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.catalog import load_catalog
from phm.edw.generate import build_tables, generate_and_load
from phm.orchestrate import reject_summary
from tests_support import AS_OF, STAR_PATIENTS, STAR_SEED, build, qualified_bundles

DEMO_PATIENTS = 10_000  # the size `make demo` builds


def _staging_keeps_every_row(conn: Connection) -> None:
    rows = reject_summary(conn)
    assert len(rows) == 46  # every phm_edw table, the 20 of migrations 010-012 included
    assert all(rejected == 0 and kept == source for _, source, kept, rejected in rows), rows


def _bundles_match_an_independent_computation(conn: Connection, patients: int, seed: int, at_least: int) -> None:
    """fact_patient_bundle holds exactly the patient x bundle pairs a plain pandas reading of the
    same generated EDW finds (active patients, active unresolved diagnoses, ICD-10 prefix or SNOMED)."""
    tables, _ = build_tables(patients, seed, "ambulatory", AS_OF)
    seeds = load_catalog().bundles
    expected = qualified_bundles(tables, seeds)
    active = set(tables["patient"].patient_id[tables["patient"].active_ind == "Y"])
    expected_pairs = {(int(p), b) for p, b in zip(expected.patient_id, expected.bundle_code) if p in active}
    with conn.connect() as pg:
        found = {(int(p), b) for p, b in pg.execute(
            "select p.patient_id, b.bundle_code from phm_star.fact_patient_bundle f "
            "join phm_star.dim_patient p on p.patient_key = f.patient_key "
            "join phm_star.dim_care_gap_bundle b on b.bundle_key = f.bundle_key").fetchall()}
        totals = pg.execute(
            "select count(*) filter (where measures_met + measures_open + measures_excluded <> total_measures), "
            "count(*) filter (where compliance_pct not between 0 and 100) from phm_star.fact_patient_bundle"
        ).fetchone()
    assert len(expected_pairs) > at_least
    assert found == expected_pairs
    assert totals == (0, 0)


def test_clean_edw_builds_and_staging_keeps_every_row(star: Connection) -> None:
    _staging_keeps_every_row(star)  # the build itself, every test green, is the fixture's


def test_bundle_membership_matches_an_independent_computation(star: Connection) -> None:
    _bundles_match_an_independent_computation(star, STAR_PATIENTS, STAR_SEED, at_least=3_000)


@pytest.mark.slow  # the demo's size (~150 s): the slower tier
def test_the_demo_size_builds_and_its_bundles_match(test_db: Connection) -> None:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, DEMO_PATIENTS, seed=3, as_of=AS_OF, progress=False)
    build(test_db)
    _staging_keeps_every_row(test_db)
    _bundles_match_an_independent_computation(test_db, DEMO_PATIENTS, 3, at_least=20_000)


@pytest.mark.slow  # one more nightly build (~90 s): the slower tier
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
