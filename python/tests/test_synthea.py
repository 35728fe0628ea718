"""The Synthea loader on a real 27-patient export: seeds, errors, bad rows, reloads, appends, the whole build.

Every expected value is worked out here from the CSV files with plain pandas (or written down by hand),
never read back from the loader. The export lives outside the repository, in ../shared/fixtures/synthea_27
(or wherever PHM_SYNTHEA_FIXTURE points).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import simple_icd_10_cm as cm

from phm.db import Connection
from phm.edw import ddl
from phm.edw.catalog import split_list
from phm.edw.generate import generate_and_load
from phm.edw.synthea import Problem, load_synthea
from phm.errors import PhmError
from phm.orchestrate import reject_summary
from phm.paths import project_root
from tests_support import AS_OF, build

def _fixture() -> Path:
    """PHM_SYNTHEA_FIXTURE, else ../shared/fixtures/synthea_27 beside the checkout, else the workspace's copy."""
    if os.environ.get("PHM_SYNTHEA_FIXTURE"):
        return Path(os.environ["PHM_SYNTHEA_FIXTURE"]).resolve()
    candidates = [project_root() / ".." / "shared" / "fixtures" / "synthea_27",
                  Path("/work/shared/fixtures/synthea_27")]
    return next((c.resolve() for c in candidates if (c / "patients.csv").is_file()), candidates[0].resolve())


FIXTURE = _fixture()
pytestmark = pytest.mark.skipif(not (FIXTURE / "patients.csv").is_file(),
                                reason=f"Synthea fixture not found at {FIXTURE} (set PHM_SYNTHEA_FIXTURE)")
SEEDS = project_root() / "seeds"
EVENT_FILES = ("conditions", "observations", "procedures", "medications", "immunizations", "allergies")
PATIENT_FILES = ("patients", "encounters", "payer_transitions", *EVENT_FILES)


def csv(name: str, folder: Path = FIXTURE) -> pd.DataFrame:
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def seed(path: str) -> pd.DataFrame:
    return pd.read_csv(SEEDS / path, dtype=str, keep_default_na=False)


def bundles_of_icd10(code: str, bundles: pd.DataFrame) -> list[str]:
    norm = code.replace(".", "")
    return [b.bundle_code for b in bundles.itertuples()
            if any(norm.startswith(p.replace(".", "")) for p in split_list(b.icd10_codes))]


def expected_counts(folder: Path = FIXTURE) -> dict[str, int]:
    """EDW rows the export should give, from the CSVs (the loader's rules, restated independently)."""
    obs = csv("observations", folder)
    meds = csv("medications", folder)
    payers = csv("payers", folder)
    uninsured = set(payers.Id[payers.NAME == "NO_INSURANCE"])
    tr = csv("payer_transitions", folder)
    periods = (~tr.PAYER.isin(uninsured)).sum() + ((tr.SECONDARY_PAYER != "") & ~tr.SECONDARY_PAYER.isin(uninsured)).sum()
    allergies = csv("allergies", folder)
    return {
        "patient": len(csv("patients", folder)),
        "encounter": len(csv("encounters", folder)),
        "condition_diagnosis": len(csv("conditions", folder)),
        "condition": csv("conditions", folder).CODE.nunique(),
        # QALY, DALY and QOLS are Synthea summaries, not LOINC observations
        "observation": int((~obs.CODE.isin(["QALY", "DALY", "QOLS"])).sum()),
        "procedure_performed": len(csv("procedures", folder).drop_duplicates(["PATIENT", "CODE", "START"])),
        # the same drug started twice at the same moment is one order
        "medication_order": len(meds.drop_duplicates(["PATIENT", "CODE", "START"])),
        "immunization": len(csv("immunizations", folder)),
        "patient_allergy": len(allergies),
        "allergy": len(allergies.drop_duplicates(["SYSTEM", "CODE"])),
        "payer": len(payers) - len(uninsured),
        "organization": len(csv("organizations", folder)),
        "provider": len(csv("providers", folder)),
        "patient_insurance_coverage": int(periods),
        "code_crosswalk": len(seed("reference/synthea_snomed_icd10.csv")) + len(seed("reference/synthea_procedure_codes.csv")),
    }


def edw_counts(conn: Connection) -> dict[str, int]:
    with conn.connect() as pg:
        return {t: int(pg.execute(f"select count(*) from phm_edw.{t}").fetchone()[0])  # type: ignore[index]
                for t in expected_counts()}


def edw_digest(conn: Connection) -> dict[str, str]:
    """md5 over every row of every EDW table but etl_log (which records each load's time)."""
    with conn.connect() as pg:
        tables = [r[0] for r in pg.execute(
            "select table_name from information_schema.tables where table_schema = 'phm_edw' "
            "and table_type = 'BASE TABLE' and table_name <> 'etl_log' order by 1").fetchall()]
        return {t: pg.execute(f"select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) "
                              f"from phm_edw.{t} x").fetchone()[0] for t in tables}  # type: ignore[index]


@pytest.fixture
def empty_edw(test_db: Connection) -> Connection:
    ddl.init_schema(test_db, reset=True)  # also drops the Synthea key map
    return test_db


# --------------------------------------------------------------------------- seeds


def test_condition_seed_codes_are_billable_icd10_and_name_their_bundle() -> None:
    xwalk = seed("reference/synthea_snomed_icd10.csv")
    bundles = seed("care_gaps/care_gap_bundles.csv")
    assert xwalk.snomed_code.is_unique
    assert xwalk.snomed_code.str.fullmatch(r"[0-9]{6,18}").all()
    for row in xwalk.itertuples():
        assert cm.is_valid_item(row.icd10_code) and cm.is_leaf(row.icd10_code), row.icd10_code
        assert cm.get_description(row.icd10_code) == row.icd10_description, row.icd10_code
        assert bundles_of_icd10(row.icd10_code, bundles) == ([row.bundle_code] if row.bundle_code else []), row
        # a code the bundle seed lists as SNOMED must map into the same bundle
        listed = [b.bundle_code for b in bundles.itertuples() if row.snomed_code in split_list(b.snomed_codes)]
        assert listed in ([], [row.bundle_code]), row
    # the fixture's bundle diseases, by hand: obesity, hypertension, hyperlipidaemia, chronic pain,
    # childhood asthma, chronic obstructive bronchitis, chronic migraine, hip osteoarthritis, CAD, old MI
    for code in ("162864005", "59621000", "55822004", "82423001", "233678006", "185086009", "124171000119105",
                 "239872002", "53741008", "399211009"):
        assert code in set(xwalk.snomed_code[xwalk.bundle_code != ""]), code


def test_procedure_seed_codes_are_measure_evidence() -> None:
    procs = seed("reference/synthea_procedure_codes.csv")
    measures = seed("care_gaps/measures.csv")
    wanted = {c for v in measures.evidence_cpt_codes for c in split_list(v)}
    assert procs.snomed_code.is_unique
    assert set(procs.procedure_code) <= wanted
    for row in procs.itertuples():
        system = "HCPCS" if re.fullmatch(r"[A-Z][0-9]{4}", row.procedure_code) else "CPT"
        assert row.procedure_code_system == system, row


# --------------------------------------------------------------------------- errors and bad rows


def test_missing_files_are_named_in_one_line(tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(FIXTURE, export)
    (export / "conditions.csv").unlink()
    (export / "observations.csv").unlink()
    result = subprocess.run([sys.executable, "-m", "phm", "edw", "load-synthea", str(export)],
                            capture_output=True, text=True, timeout=120)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1
    assert lines == [f"phm: error: The Synthea export in {export} is missing conditions.csv, observations.csv."]


def _rewrite_line(path: Path, line: int, change) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text().splitlines(keepends=True)
    text[line - 1] = change(text[line - 1])
    path.write_text("".join(text))


def test_malformed_rows_are_reported_with_file_and_line(empty_edw: Connection, tmp_path: Path) -> None:
    export = tmp_path / "export"
    shutil.copytree(FIXTURE, export)
    encounters = csv("encounters")
    # break three rows: an extra field, an impossible date, an encounter class nobody knows
    _rewrite_line(export / "observations.csv", 5, lambda s: s.rstrip("\n") + ",extra\n")
    _rewrite_line(export / "conditions.csv", 3, lambda s: s.replace("2011-08-09", "2011-13-45", 1))
    # the first encounter with both conditions and observations, other than those of the rows broken above
    spared = {csv("observations").ENCOUNTER[3], csv("conditions").ENCOUNTER[1]}
    busy = set(csv("conditions").ENCOUNTER) & set(csv("observations").ENCOUNTER) - spared
    index = int(encounters.index[encounters.Id.isin(busy)][0])
    broken_encounter, broken_class = encounters.Id[index], encounters.ENCOUNTERCLASS[index]
    _rewrite_line(export / "encounters.csv", index + 2, lambda s: s.replace(f",{broken_class},", ",teleport,", 1))
    expected = {
        Problem("observations.csv", 5, "has 10 fields where the header has 9"),
        Problem("conditions.csv", 3, "START '2011-13-45' is not a date"),
        Problem("encounters.csv", index + 2,
                "ENCOUNTERCLASS 'teleport' is not in seeds/reference/synthea_encounter_classes.csv"),
    }
    # rows of the broken encounter have nothing to attach to: each is reported on its own line
    for name in EVENT_FILES:
        frame = csv(name)
        for index in frame.index[frame.ENCOUNTER == broken_encounter]:
            expected.add(Problem(f"{name}.csv", index + 2,
                                 f"refers to ENCOUNTER {broken_encounter}, which is missing or was rejected"))
    claims = csv("claims")
    for index in claims.index[claims.APPOINTMENTID == broken_encounter]:  # its claims too
        expected.add(Problem("claims.csv", index + 2,
                             f"refers to APPOINTMENTID {broken_encounter}, which is missing or was rejected"))
    assert not {(p.file, p.line) for p in expected if "refers to" in p.reason} & {("observations.csv", 5),
                                                                                    ("conditions.csv", 3)}
    result = load_synthea(empty_edw, export)
    assert set(result.malformed) == expected
    assert len(result.malformed) == len(expected) > 4
    assert "observations.csv:5 has 10 fields where the header has 9" in result.summary(max_problems=100)
    full = expected_counts()
    counts = edw_counts(empty_edw)
    lost = {f: sum(1 for p in expected if p.file == f"{f}.csv") for f in ("encounters", "conditions", "observations")}
    assert counts["encounter"] == full["encounter"] - lost["encounters"]
    assert counts["condition_diagnosis"] == full["condition_diagnosis"] - lost["conditions"]
    assert counts["observation"] == full["observation"] - lost["observations"]


# --------------------------------------------------------------------------- reloads and appends


def test_loading_twice_changes_nothing_and_append_of_the_same_export_adds_nothing(empty_edw: Connection) -> None:
    first = load_synthea(empty_edw, FIXTURE)
    assert first.malformed == []
    assert edw_counts(empty_edw) == expected_counts()
    digest = edw_digest(empty_edw)
    load_synthea(empty_edw, FIXTURE)
    assert edw_digest(empty_edw) == digest  # same rows, same ids, same created dates
    again = load_synthea(empty_edw, FIXTURE, append=True)
    assert sum(again.inserted.values()) == 0 and sum(again.updated.values()) == 0
    assert edw_digest(empty_edw) == digest


def test_append_adds_new_patients_and_keeps_the_old_ids(empty_edw: Connection, tmp_path: Path) -> None:
    part = tmp_path / "first_20"
    shutil.copytree(FIXTURE, part)
    keep = set(csv("patients").Id[:20])
    for name in PATIENT_FILES:
        frame = csv(name)
        column = "Id" if name == "patients" else "PATIENT"
        frame[frame[column].isin(keep)].to_csv(part / f"{name}.csv", index=False)
    load_synthea(empty_edw, part)
    assert edw_counts(empty_edw) == expected_counts(part)
    with empty_edw.connect() as pg:
        ids_before = dict(pg.execute("select mrn, patient_id from phm_edw.patient").fetchall())
    result = load_synthea(empty_edw, FIXTURE, append=True)
    assert result.inserted["patient"] == 7
    assert edw_counts(empty_edw) == expected_counts()  # the whole export, nothing twice
    with empty_edw.connect() as pg:
        ids_after = dict(pg.execute("select mrn, patient_id from phm_edw.patient").fetchall())
    assert {m: ids_after[m] for m in ids_before} == ids_before


def test_append_refuses_an_edw_it_did_not_load(empty_edw: Connection) -> None:
    generate_and_load(empty_edw, 50, seed=5, as_of=AS_OF, progress=False)
    with pytest.raises(PhmError, match="50 patients that were not loaded from a Synthea export"):
        load_synthea(empty_edw, FIXTURE, append=True)


def test_timestamps_are_converted_to_the_chosen_zone_and_dates_are_kept(empty_edw: Connection) -> None:
    load_synthea(empty_edw, FIXTURE, timezone="America/New_York")
    with empty_edw.connect() as pg:
        when = pg.execute("select encounter_datetime::text from phm_edw.encounter "
                          "where encounter_number = '57f2562b-445c-f11c-ba40-edc55af3c84f'").fetchone()[0]  # type: ignore[index]
        born = pg.execute("select date_of_birth::text from phm_edw.patient "
                          "where mrn = '3edac2e3-d223-6fae-d515-daf96ef6bc76'").fetchone()[0]  # type: ignore[index]
    assert when == "2023-01-27 11:17:47"  # 16:17:47Z is 11:17:47 EST
    assert born == "2014-10-06"


# --------------------------------------------------------------------------- the whole build


def expected_bundle_members() -> set[tuple[str, str]]:
    """(patient UUID, bundle) for living patients with an open condition that qualifies, read from the CSVs:
    the condition's SNOMED code is listed by the bundle, or the crosswalk seed maps it to an ICD-10 code
    starting with one of the bundle's codes."""
    patients = csv("patients")
    alive = set(patients.Id[patients.DEATHDATE == ""])
    cond = csv("conditions")
    cond = cond[(cond.STOP == "") & cond.PATIENT.isin(alive)]
    icd10 = dict(zip(seed("reference/synthea_snomed_icd10.csv").snomed_code,
                     seed("reference/synthea_snomed_icd10.csv").icd10_code))
    bundles = seed("care_gaps/care_gap_bundles.csv")
    pairs = set()
    for patient, code in zip(cond.PATIENT, cond.CODE):
        for b in bundles.itertuples():
            if code in split_list(b.snomed_codes) or b.bundle_code in bundles_of_icd10(icd10.get(code, "-"), bundles):
                pairs.add((patient, b.bundle_code))
    return pairs


def test_the_nightly_build_runs_on_the_export(empty_edw: Connection) -> None:
    load_synthea(empty_edw, FIXTURE)
    build(empty_edw)
    assert all(rejected == 0 and kept == source for _, source, kept, rejected in reject_summary(empty_edw))

    encounters = csv("encounters")
    classes = {"ambulatory": "OFFICE VISIT", "wellness": "WELLNESS", "outpatient": "OUTPATIENT",
               "emergency": "EMERGENCY", "inpatient": "INPATIENT", "urgentcare": "URGENT CARE"}
    expected_by_type = encounters.ENCOUNTERCLASS.map(classes).value_counts().to_dict()
    expected_pairs = expected_bundle_members()
    procedures = csv("procedures")
    mapped = dict(zip(seed("reference/synthea_procedure_codes.csv").snomed_code,
                      seed("reference/synthea_procedure_codes.csv").procedure_code))
    expected_evidence = procedures.CODE[procedures.CODE.isin(mapped)].map(mapped).value_counts().to_dict()

    with empty_edw.connect() as pg:
        patients = pg.execute("select count(*), count(*) filter (where is_active) from phm_star.dim_patient "
                              "where is_current").fetchone()
        by_type = dict(pg.execute("select encounter_type, count(*) from phm_star.fact_encounter group by 1").fetchall())
        pairs = {(m.lower(), b) for m, b in pg.execute(
            "select p.mrn, b.bundle_code from phm_star.fact_patient_bundle f "
            "join phm_star.dim_patient p on p.patient_key = f.patient_key "
            "join phm_star.dim_care_gap_bundle b on b.bundle_key = f.bundle_key").fetchall()}
        evidence = dict(pg.execute(
            "select evidence_code, count(*) from phm_int.int_care_gaps__evidence_events "
            "where source_table = 'procedure_performed' group by 1").fetchall())

    assert patients == (27, 25)  # 27 patients in patients.csv, 2 of them with a DEATHDATE
    assert by_type == expected_by_type
    assert by_type == {"WELLNESS": 348, "OFFICE VISIT": 174, "OUTPATIENT": 52, "EMERGENCY": 17, "INPATIENT": 11,
                       "URGENT CARE": 2}
    assert pairs == expected_pairs
    per_bundle = pd.Series([b for _, b in pairs]).value_counts().to_dict()
    assert per_bundle == {"OBESITY": 8, "HTN": 6, "HLD": 3, "PAIN": 2, "ASTHMA": 1, "COPD": 1, "MIGRAINE": 1, "OA": 1}
    # SNOMED procedures count as measure evidence under their CPT/HCPCS codes
    assert evidence == expected_evidence
