"""The synthetic EDW: determinism, and realism checked against stated epidemiological tolerances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import build_tables, edw_checksum, generate_and_load
from tests_support import AS_OF, qualified_bundles



def frame_digest(tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    return {name: int(pd.util.hash_pandas_object(frame.astype(str), index=False).sum()) for name, frame in tables.items()}


@pytest.fixture(scope="module")
def ambulatory() -> dict[str, pd.DataFrame]:
    return build_tables(10_000, 42, "ambulatory", AS_OF)[0]


@pytest.fixture(scope="module")
def medicare() -> dict[str, pd.DataFrame]:
    return build_tables(10_000, 42, "medicare", AS_OF)[0]


@pytest.fixture(scope="module")
def bundle_seed() -> pd.DataFrame:
    from phm.edw.catalog import load_catalog

    return load_catalog().bundles


def test_same_seed_same_rows_other_seed_other_rows() -> None:
    first = frame_digest(build_tables(800, 7, "ambulatory", AS_OF)[0])
    second = frame_digest(build_tables(800, 7, "ambulatory", AS_OF)[0])
    other = frame_digest(build_tables(800, 8, "ambulatory", AS_OF)[0])
    assert first == second
    assert first["patient"] != other["patient"] and first["observation"] != other["observation"]


def test_loaded_edw_checksum_is_reproducible(test_db: Connection) -> None:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 600, seed=11, as_of=AS_OF, progress=False)
    one = edw_checksum(test_db)
    generate_and_load(test_db, 600, seed=11, as_of=AS_OF, progress=False)
    two = edw_checksum(test_db)
    generate_and_load(test_db, 600, seed=12, as_of=AS_OF, progress=False)
    three = edw_checksum(test_db)
    assert one == two != three


def test_arrow_payloads_load_the_same_rows_as_pandas_to_csv(test_db: Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    # the COPY payloads are written by Arrow for speed; pandas' to_csv is the reference: with defects
    # (blank strings, NaN, mixed objects) both must load exactly the same EDW
    from phm.edw import generate

    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 400, seed=13, defects=0.05, as_of=AS_OF, progress=False)
    arrow = edw_checksum(test_db)
    monkeypatch.setattr(generate, "_csv", generate._csv_pandas)
    generate_and_load(test_db, 400, seed=13, defects=0.05, as_of=AS_OF, progress=False)
    assert edw_checksum(test_db) == arrow


def test_object_strings_generate_the_same_edw_as_arrow_strings(test_db: Connection,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    # the generator keeps new strings in numpy object arrays for speed (generate._object_strings); pandas'
    # own Arrow-backed strings are the reference: with defects, two blocks, both must load the same EDW
    from contextlib import nullcontext

    from phm.edw import generate

    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 500, seed=17, defects=0.05, as_of=AS_OF, progress=False, block_patients=250,
                      chunk_patients=250)
    fast = edw_checksum(test_db)
    monkeypatch.setattr(generate, "_object_strings", nullcontext)
    generate_and_load(test_db, 500, seed=17, defects=0.05, as_of=AS_OF, progress=False, block_patients=250,
                      chunk_patients=250)
    assert edw_checksum(test_db) == fast


def test_every_bundle_has_patients_at_realistic_prevalence(ambulatory: dict[str, pd.DataFrame],
                                                         bundle_seed: pd.DataFrame) -> None:
    q = qualified_bundles(ambulatory, bundle_seed)
    share = q.groupby("bundle_code").patient_id.nunique() / len(ambulatory["patient"]) * 100
    assert set(share.index) == set(bundle_seed.bundle_code)  # all 45 bundles have patients
    assert (q.groupby("bundle_code").patient_id.nunique() >= 3).all()
    # adult primary-care prevalence (CDC/NHANES order of magnitude), generous tolerances
    expected = {"HTN": (20, 45), "HLD": (18, 42), "DM2": (7, 18), "OBESITY": (12, 32), "CKD": (3, 14),
                "COPD": (3, 11), "MDD": (4, 14), "HIV": (0.03, 1.0), "SCD": (0.03, 0.5), "PAH": (0.03, 0.5)}
    for code, (low, high) in expected.items():
        assert low <= share[code] <= high, f"{code} prevalence {share[code]:.2f}% outside [{low}, {high}]"
    assert share["HTN"] > 20 * share["HIV"]


def test_comorbidity_clusters(ambulatory: dict[str, pd.DataFrame], bundle_seed: pd.DataFrame) -> None:
    q = qualified_bundles(ambulatory, bundle_seed)
    n = len(ambulatory["patient"])
    dm2 = set(q[q.bundle_code == "DM2"].patient_id)
    htn = set(q[q.bundle_code == "HTN"].patient_id)
    assert len(dm2 & htn) / len(dm2) > 1.3 * len(htn) / n  # hypertension is likelier with diabetes


def test_resolved_inactive_and_snomed_diagnoses_exist(ambulatory: dict[str, pd.DataFrame]) -> None:
    dx = ambulatory["condition_diagnosis"].merge(ambulatory["condition"][["condition_id", "code_system"]])
    assert (dx.diagnosis_status == "Resolved").mean() > 0.05
    assert (dx.active_ind == "N").sum() > 100
    assert (dx.code_system == "SNOMED-CT").sum() > 100


def test_gap_status_mix_is_70_25_5(ambulatory: dict[str, pd.DataFrame]) -> None:
    mix = ambulatory["care_gap"].gap_status.str.capitalize().value_counts(normalize=True) * 100
    assert abs(mix["Open"] - 70) <= 2
    assert abs(mix["Closed"] - 25) <= 2
    assert abs(mix["Excluded"] - 5) <= 1


def test_utilization_rises_with_conditions_and_readmissions_happen(ambulatory: dict[str, pd.DataFrame],
                                                                  bundle_seed: pd.DataFrame) -> None:
    q = qualified_bundles(ambulatory, bundle_seed)
    n_cond = q.groupby("patient_id").size().reindex(ambulatory["patient"].patient_id, fill_value=0)
    enc = ambulatory["encounter"]
    ed = enc[enc.encounter_type == "Emergency"].groupby("patient_id").size().reindex(n_cond.index, fill_value=0)
    assert ed[n_cond >= 4].mean() > 2 * ed[n_cond == 0].mean()
    ip = enc[enc.encounter_type == "Inpatient"].sort_values(["patient_id", "admission_datetime"])
    gap = ip.groupby("patient_id").admission_datetime.shift(-1) - ip.discharge_datetime
    readmitted = ((gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=30))).mean()
    assert 0.05 <= readmitted <= 0.35
    assert (ip.discharge_datetime > ip.admission_datetime).all()


def test_payer_mix_covers_the_four_payer_types(ambulatory: dict[str, pd.DataFrame]) -> None:
    cov = ambulatory["patient_insurance_coverage"].merge(ambulatory["payer"], on="payer_id")
    assert {"Medicare", "Medicaid", "Commercial", "Medicare Advantage"} <= set(cov.payer_type)
    assert (cov.coverage_end_date.notna()).sum() > 0  # ended coverage periods exist


def test_medicare_preset_matches_spec_03(medicare: dict[str, pd.DataFrame]) -> None:
    p = medicare["patient"]
    dob = pd.to_datetime(p.date_of_birth)
    age = AS_OF.year - dob.dt.year - ((dob.dt.month > AS_OF.month) | ((dob.dt.month == AS_OF.month) & (dob.dt.day > AS_OF.day)))
    bands = pd.cut(age, [64, 69, 74, 79, 84, 200], labels=["65-69", "70-74", "75-79", "80-84", "85+"])
    share = bands.value_counts(normalize=True) * 100
    for band, target in {"65-69": 45, "70-74": 35, "75-79": 15, "80-84": 3, "85+": 2}.items():
        assert abs(share[band] - target) <= 2, f"{band}: {share[band]:.1f}% vs {target}%"
    assert abs((p.gender == "Female").mean() * 100 - 56) <= 2
    assert age.min() >= 65
    # the three Medicare Advantage contracts of spec 03 split about 50/34/16
    cov = medicare["patient_insurance_coverage"].merge(medicare["payer"][["payer_id", "payer_name", "payer_type"]])
    ma = cov[(cov.payer_type == "Medicare Advantage") & (cov.active_ind == "Y")].payer_name
    split = ma.str.extract(r"(H\d{4}-\d{3})")[0].value_counts(normalize=True) * 100
    assert abs(split["H1234-001"] - 50) <= 3 and abs(split["H5678-002"] - 34) <= 3 and abs(split["H9012-003"] - 16) <= 3


def test_defects_are_counted(ambulatory: dict[str, pd.DataFrame]) -> None:
    tables, made = build_tables(1_000, 5, "ambulatory", AS_OF, defects=0.01)
    clean, _ = build_tables(1_000, 5, "ambulatory", AS_OF)
    added = {name: len(tables[name]) - len(clean[name]) for name in tables}
    per_table: dict[str, int] = {}
    for (table, _rule), count in made.items():
        per_table[table] = per_table.get(table, 0) + count
    assert {k: v for k, v in added.items() if v} == per_table
    assert np.all([count >= 1 for count in made.values()])


def test_same_edw_whatever_the_chunk_size(test_db: Connection) -> None:
    # 1,300 patients in blocks of 500: three blocks, one of them partial. A chunk of 500 streams them
    # one by one through the worker processes; 5,000 generates them in one chunk, in this process.
    ddl.init_schema(test_db, reset=True)
    small = generate_and_load(test_db, 1_300, seed=9, as_of=AS_OF, progress=False, chunk_patients=500, block_patients=500)
    one = edw_checksum(test_db)
    big = generate_and_load(test_db, 1_300, seed=9, as_of=AS_OF, progress=False, chunk_patients=5_000, block_patients=500)
    two = edw_checksum(test_db)
    assert one == two
    assert small.rows == big.rows
    with test_db.connect() as pg:
        # ids follow the patient index: patient 1,300 is the last, and every encounter's patient exists
        assert pg.execute("select count(*), max(patient_id) from phm_edw.patient").fetchone() == (1_300, 1_300)
        assert pg.execute("select count(*) from phm_edw.encounter e where not exists "
                          "(select 1 from phm_edw.patient p where p.patient_id = e.patient_id)").fetchone() == (0,)
        assert pg.execute("select count(*) from phm_edw.observation o where o.encounter_id is not null and not exists "
                          "(select 1 from phm_edw.encounter e where e.encounter_id = o.encounter_id "
                          "and e.patient_id = o.patient_id)").fetchone() == (0,)


def one_visit_note_per_office_visit(tables: dict[str, pd.DataFrame], seed: int, as_of) -> dict[str, pd.DataFrame]:  # type: ignore[no-untyped-def]
    enc = tables["encounter"]
    office = enc[enc.encounter_type == "Office Visit"]
    return {"hook_visit_note": pd.DataFrame({"visit_note_id": office.encounter_id.to_numpy(),
                                             "encounter_id": office.encounter_id.to_numpy(),
                                             "seed": seed})}


def test_hooks_add_tables_and_unknown_tables_are_named(test_db: Connection) -> None:
    from phm.errors import PhmError

    ddl.init_schema(test_db, reset=True)
    with test_db.connect() as pg:
        pg.execute("create table phm_edw.hook_visit_note (visit_note_id serial primary key, encounter_id int, seed bigint)")
    generate_and_load(test_db, 1_100, seed=4, as_of=AS_OF, progress=False, chunk_patients=500, block_patients=500,
                      hooks=[one_visit_note_per_office_visit])
    with test_db.connect() as pg:
        notes, office, seeds = pg.execute(
            "select (select count(*) from phm_edw.hook_visit_note), "
            "(select count(*) from phm_edw.encounter where encounter_type = 'Office Visit'), "
            "(select count(distinct seed) from phm_edw.hook_visit_note)").fetchone()
        assert notes == office > 0
        assert seeds == 3  # one seed per block, whatever the chunk
        pg.execute("drop table phm_edw.hook_visit_note")
    with pytest.raises(PhmError, match="phm_edw.hook_visit_note"):
        generate_and_load(test_db, 600, seed=4, as_of=AS_OF, progress=False, hooks=[one_visit_note_per_office_visit])
