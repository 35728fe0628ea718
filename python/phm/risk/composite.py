"""ABIGAIL_COMPOSITE: Abigail's 0-100 outreach priority.

score = 100 x sum over components of weight x min(value / cap, 1), with the weights and caps of the seed
abigail_composite_weights (phm_ref). The components: the HCC_V28, READMIT_30D and ED_RISK scores of the
same scoring date, the open and overdue care gaps on it, and the social risks of the latest SDOH
screening (food insecurity, housing instability, transportation barrier, social isolation score of
SOCIAL_ISOLATION_THRESHOLD or more). The factors are the components that gave points, with the points as
their weight, so they sum to the score. Confidence is the weight-averaged confidence of the components:
the models' own, 1 for care gaps, and for SDOH 1 when screened within SDOH_RECENT_DAYS, else 0.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from phm.errors import PhmError
from phm.risk.common import ModelScores, ModelVersion, factor

MODEL_CODE = "ABIGAIL_COMPOSITE"
MODEL_VERSION = "1.0"
SOCIAL_ISOLATION_THRESHOLD = 7
SDOH_RECENT_DAYS = 730
RISK_INPUTS = {"hcc_score": "HCC_V28", "readmission_risk": "READMIT_30D", "ed_risk": "ED_RISK"}
COMPONENTS = (*RISK_INPUTS, "open_care_gaps", "overdue_care_gaps", "sdoh_risk_factors")


def check_weights(weights: pd.DataFrame) -> None:
    found = set(weights.component)
    if found != set(COMPONENTS):
        raise PhmError(f"seed abigail_composite_weights must list exactly {', '.join(COMPONENTS)}; "
                       f"found {', '.join(sorted(found))}.")
    if abs(weights.weight.sum() - 1.0) > 1e-6 or (weights.cap <= 0).any():
        raise PhmError("seed abigail_composite_weights: the weights must sum to 1 and every cap be positive.")


def inputs(current: pd.DataFrame, risks: pd.DataFrame, scoring_date: date) -> pd.DataFrame:
    """One row per patient: each component's value and confidence. `risks` has model_code, patient_id,
    score_value, confidence for the three risk models."""
    out = current[["patient_id"]].copy()
    for component, model_code in RISK_INPUTS.items():
        model = risks[risks.model_code == model_code].set_index("patient_id")
        out[component] = out.patient_id.map(model.score_value).astype(float)
        out[f"{component}_confidence"] = out.patient_id.map(model.confidence).astype(float).fillna(0.0)
    out["open_care_gaps"] = current.open_care_gaps.astype(float).to_numpy()
    out["overdue_care_gaps"] = current.overdue_care_gaps.astype(float).to_numpy()
    isolated = current.social_isolation_score.fillna(0).to_numpy() >= SOCIAL_ISOLATION_THRESHOLD
    out["sdoh_risk_factors"] = (current.has_food_insecurity.astype(int) + current.has_housing_instability.astype(int)
                                + current.has_transportation_barrier.astype(int) + isolated.astype(int)).to_numpy()
    recent = pd.to_datetime(current.sdoh_assessment_date) >= pd.Timestamp(scoring_date - timedelta(days=SDOH_RECENT_DAYS))
    out["sdoh_risk_factors_confidence"] = recent.astype(float).to_numpy()
    out["open_care_gaps_confidence"] = 1.0
    out["overdue_care_gaps_confidence"] = 1.0
    return out


def score(current: pd.DataFrame, risks: pd.DataFrame, weights: pd.DataFrame, scoring_date: date) -> ModelScores:
    start = time.perf_counter()
    check_weights(weights)
    values = inputs(current, risks, scoring_date)
    w = weights.set_index("component")
    points = pd.DataFrame({c: 100.0 * w.weight[c] * np.minimum(values[c].fillna(0.0) / w.cap[c], 1.0)
                           for c in COMPONENTS})
    points = points.round(4)
    confidence = sum(w.weight[c] * values[f"{c}_confidence"] for c in COMPONENTS)
    labels = {c: d.split(";")[0] for c, d in zip(weights.component, weights.description)}
    given_points = points.to_numpy()
    given_values = values[list(COMPONENTS)].to_numpy(dtype=float)
    factors = []
    for patient_points, patient_values in zip(given_points, given_values):
        given = sorted((j for j in range(len(COMPONENTS)) if patient_points[j] > 0),
                       key=lambda j: (-patient_points[j], COMPONENTS[j]))
        factors.append([factor(COMPONENTS[j], patient_points[j], labels[COMPONENTS[j]], _value(patient_values[j]))
                        for j in given])
    scores = pd.DataFrame({"patient_id": values.patient_id.to_numpy(), "score_value": points.sum(axis=1).round(4),
                           "contributing_factors": factors, "confidence": np.round(confidence.to_numpy(), 4)})
    version = ModelVersion(MODEL_CODE, MODEL_VERSION, scoring_date, "phm weighted sum (seed abigail_composite_weights)",
                           parameters={"weights": dict(zip(weights.component, weights.weight)),
                                       "caps": dict(zip(weights.component, weights.cap)),
                                       "social_isolation_threshold": SOCIAL_ISOLATION_THRESHOLD,
                                       "sdoh_recent_days": SDOH_RECENT_DAYS})
    return ModelScores(MODEL_CODE, scoring_date, version, scores, time.perf_counter() - start)


def _value(v: float) -> float | int | None:
    if pd.isna(v):
        return None
    return int(v) if float(v).is_integer() else round(float(v), 4)
