"""Independent re-computations the tests compare the warehouse with (plain pandas, no dbt)."""

from __future__ import annotations

import pandas as pd

from phm.edw.catalog import split_list


def qualified_bundles(tables: dict[str, pd.DataFrame], seeds: pd.DataFrame) -> pd.DataFrame:
    """patient_id x bundle_code from active, unresolved diagnoses, matched by ICD-10 prefix or SNOMED code."""
    dx = tables["condition_diagnosis"].merge(tables["condition"], on="condition_id", suffixes=("", "_c"))
    dx = dx[(dx.diagnosis_status == "Active") & (dx.active_ind == "Y") & dx.resolution_date.isna()]
    norm = dx.condition_code.str.replace(".", "", regex=False).str.upper()
    hits = []
    for bundle in seeds.itertuples():
        prefixes = tuple(c.replace(".", "") for c in split_list(bundle.icd10_codes))
        snomed = set(split_list(bundle.snomed_codes))
        match = (dx.code_system.str.startswith("ICD") & norm.str.startswith(prefixes)) | (
            dx.code_system.str.startswith("SNOMED") & dx.condition_code.isin(snomed))
        hits.append(pd.DataFrame({"patient_id": dx.patient_id[match], "bundle_code": bundle.bundle_code}))
    return pd.concat(hits).drop_duplicates()
