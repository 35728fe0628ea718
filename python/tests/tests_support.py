"""Independent re-computations the tests compare the warehouse with (plain pandas, no dbt)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from phm.db import Connection
from phm.edw.catalog import split_list
from phm.orchestrate import nightly
from phm.paths import project_root

AS_OF = date(2026, 6, 30)
RUN_VARS = {"run_date": AS_OF.isoformat()}
STAR_PATIENTS = 1_500  # the session's shared warehouse (conftest.star): its EDW's size and seed
STAR_SEED = 33


def build(conn: Connection, force: bool = True) -> None:
    """The nightly build with the run date pinned; every step, data test and unit test must pass.

    `force` runs dbt even when nothing changed since the last published build, so that reruns
    really exercise the incremental models (without it the nightly job would skip them).
    """
    report = nightly(conn, show_progress=False, extra_vars=RUN_VARS, force=force)
    failures = [f for step in report.steps for f in step.failures]
    assert report.ok, failures
    build_step = report.steps[1]
    assert build_step.name.startswith("build")
    assert set(build_step.counts) <= {"success", "pass"}, build_step.counts
    assert build_step.counts["pass"] >= 150  # every data and unit test ran and passed
    assert [step.name for step in report.steps] == [
        "seed", "build up to the risk features", "risk scoring (phm score)",
        "risk scores, dashboards, audit and publish"]
    last = report.steps[3]
    assert set(last.counts) <= {"success", "pass"} and last.counts["pass"] >= 20, last.counts
    assert report.published  # a green whole build is published


def qualified_bundles(tables: dict[str, pd.DataFrame], seeds: pd.DataFrame) -> pd.DataFrame:
    """patient_id x bundle_code from active, unresolved diagnoses, matched by ICD-10 prefix or SNOMED code,
    (the bundle's own list or its eCQM value-set codes, seeds/reference/snomed_bundle_codes.csv), or by the
    ICD-10 codes a SNOMED code maps to: the project's map (seeds/reference/synthea_snomed_icd10.csv, always
    applied) and the EDW's code_crosswalk."""
    dx = tables["condition_diagnosis"].merge(tables["condition"], on="condition_id", suffixes=("", "_c"))
    dx = dx[(dx.diagnosis_status == "Active") & (dx.active_ind == "Y") & dx.resolution_date.isna()]
    norm = dx.condition_code.str.replace(".", "", regex=False).str.upper()
    xw = tables["code_crosswalk"]
    xw = xw[xw.source_code_system.str.startswith("SNOMED") & xw.target_code_system.str.startswith("ICD")]
    project = pd.read_csv(project_root() / "seeds" / "reference" / "synthea_snomed_icd10.csv", dtype=str)
    value_sets = pd.read_csv(project_root() / "seeds" / "reference" / "snomed_bundle_codes.csv", dtype=str)
    xw = pd.concat([xw[["source_code", "target_code"]],
                    project.rename(columns={"snomed_code": "source_code", "icd10_code": "target_code"})
                    [["source_code", "target_code"]]], ignore_index=True)
    hits = []
    for bundle in seeds.itertuples():
        prefixes = tuple(c.replace(".", "") for c in split_list(bundle.icd10_codes))
        snomed = set(split_list(bundle.snomed_codes))
        snomed |= set(value_sets.snomed_code[value_sets.bundle_code == bundle.bundle_code])
        snomed |= set(xw.source_code[xw.target_code.str.replace(".", "", regex=False).str.startswith(prefixes)])
        match = (dx.code_system.str.startswith("ICD") & norm.str.startswith(prefixes)) | (
            dx.code_system.str.startswith("SNOMED") & dx.condition_code.isin(snomed))
        hits.append(pd.DataFrame({"patient_id": dx.patient_id[match], "bundle_code": bundle.bundle_code}))
    return pd.concat(hits).drop_duplicates()
