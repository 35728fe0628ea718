"""Shared by the trained models: the design matrix, a penalised logistic regression, out-of-time
validation (AUROC, Brier score, calibration in the large, calibration by decile), and per-patient
explanations and confidence.

A patient's factor for feature j is coefficient_j x standardised value_j: its push on the log-odds
relative to a patient at the training mean. The intercept plus every factor is the log-odds.
Confidence is 1 minus the width of the 95% interval of the predicted probability, from the
covariance of the coefficients (inverse of the penalised Fisher information at the fit).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import metadata
from itertools import chain
from typing import Any

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from phm.risk.common import Factor, InsufficientData, ModelScores, ModelVersion, factor

# Features and how they enter the model: counts as log(1 + n); the rest as they are. A bundle becomes a
# 0/1 feature when at least MIN_BUNDLE_SHARE of the training rows have it. Care gaps enter as the share
# closed: the EDW's open-gap counts grow with the history it holds (gaps are identified from a date on),
# so counts learnt at past cutoffs would not mean the same today; the composite uses today's counts.
COUNTS = ("chronic_condition_count", "ed_visits_6mo", "ed_visits_12mo", "inpatient_stays_12mo", "office_visits_12mo")
NUMERIC = ("age_years", "days_since_last_encounter", "care_gap_compliance_pct", "social_isolation_score")
FLAGS = ("is_female", "has_medicare", "has_medicaid", "has_food_insecurity", "has_housing_instability",
         "has_transportation_barrier", "no_care_gap_recorded", "not_screened_for_sdoh")
LABELS = {
    "age_years": "age in years", "days_since_last_encounter": "days since the last encounter",
    "care_gap_compliance_pct": "share of care gaps closed (%)", "social_isolation_score": "social isolation score",
    "chronic_condition_count": "chronic conditions", "ed_visits_6mo": "ED visits, last 6 months",
    "ed_visits_12mo": "ED visits, last 12 months", "inpatient_stays_12mo": "inpatient stays, last 12 months",
    "office_visits_12mo": "office visits, last 12 months", "is_female": "female", "has_medicare": "Medicare coverage",
    "has_medicaid": "Medicaid coverage", "has_food_insecurity": "food insecurity",
    "has_housing_instability": "housing instability", "has_transportation_barrier": "transportation barrier",
    "no_care_gap_recorded": "no care gap on record", "not_screened_for_sdoh": "never screened for SDOH",
}
MIN_BUNDLE_SHARE = 0.01
PENALTY_C = 1.0
TOP_FACTORS = 5
Z_95 = 1.959964


@dataclass
class Design:
    """How raw feature rows become the model matrix: the columns, imputation values, means and scales."""

    columns: list[str]
    bundles: list[str]
    fill: dict[str, float]
    mean: np.ndarray
    scale: np.ndarray

    def raw(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Features as a person would read them (counts, flags, values), imputed."""
        out = pd.DataFrame(index=rows.index)
        for name in COUNTS + NUMERIC:
            out[name] = rows[name].astype(float)
        out["is_female"] = (rows.sex == "F").astype(float)
        for name in ("has_medicare", "has_medicaid", "has_food_insecurity", "has_housing_instability",
                     "has_transportation_barrier"):
            out[name] = rows[name].astype(bool).astype(float)
        out["no_care_gap_recorded"] = rows.care_gap_compliance_pct.isna().astype(float)
        out["not_screened_for_sdoh"] = rows.sdoh_assessment_date.isna().astype(float)
        flags = bundle_flags(rows.active_bundle_codes, self.bundles)
        for j, bundle in enumerate(self.bundles):
            out[f"condition_{bundle}"] = flags[:, j]
        return out.fillna(self.fill)[self.columns]

    def matrix(self, rows: pd.DataFrame) -> np.ndarray:
        raw = self.raw(rows).to_numpy()
        transformed = raw.copy()
        counts = [i for i, c in enumerate(self.columns) if c in COUNTS]
        transformed[:, counts] = np.log1p(raw[:, counts])
        return (transformed - self.mean) / self.scale


def bundle_flags(codes: pd.Series, bundles: list[str]) -> np.ndarray:
    """rows x bundles: 1.0 where the row's list of active bundle codes holds the bundle."""
    lengths = codes.map(len).to_numpy()
    flat = np.fromiter(chain.from_iterable(codes), dtype=object, count=int(lengths.sum()))
    row = np.repeat(np.arange(len(codes)), lengths)
    column = pd.Index(bundles).get_indexer(flat)
    flags = np.zeros((len(codes), len(bundles)))
    flags[row[column >= 0], column[column >= 0]] = 1.0
    return flags


def design(training_rows: pd.DataFrame) -> tuple[Design, np.ndarray]:
    """The design learnt from the training rows, and their standardised matrix."""
    codes = training_rows.active_bundle_codes.explode().dropna()
    share = codes.value_counts() / len(training_rows)
    bundles = sorted(share[share >= MIN_BUNDLE_SHARE].index)
    columns = [*COUNTS, *NUMERIC, *FLAGS, *(f"condition_{b}" for b in bundles)]
    fill = {"care_gap_compliance_pct": float(training_rows.care_gap_compliance_pct.mean()),
            "social_isolation_score": float(training_rows.social_isolation_score.mean())}
    fill = {k: (0.0 if np.isnan(v) else v) for k, v in fill.items()}
    unscaled = Design(columns, bundles, fill, np.zeros(len(columns)), np.ones(len(columns)))
    transformed = unscaled.matrix(training_rows)
    mean, scale = transformed.mean(axis=0), transformed.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return Design(columns, bundles, fill, mean, scale), (transformed - mean) / scale


@dataclass
class Fitted:
    design: Design
    coefficients: np.ndarray
    intercept: float
    covariance: np.ndarray  # of (intercept, coefficients)

    def logit(self, x: np.ndarray) -> np.ndarray:
        return self.intercept + x @ self.coefficients

    def predict(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.logit(x)))

    def confidence(self, x: np.ndarray) -> np.ndarray:
        with_intercept = np.hstack([np.ones((len(x), 1)), x])
        se = np.sqrt(np.einsum("ij,jk,ik->i", with_intercept, self.covariance, with_intercept))
        eta = self.logit(x)
        width = 1.0 / (1.0 + np.exp(-(eta + Z_95 * se))) - 1.0 / (1.0 + np.exp(-(eta - Z_95 * se)))
        return np.clip(1.0 - width, 0.0, 1.0)

    def parameters(self) -> dict[str, Any]:
        return {"intercept": round(self.intercept, 6),
                "features": [{"name": c, "coefficient": round(float(b), 6), "mean": round(float(m), 6),
                              "scale": round(float(s), 6), "log1p": c in COUNTS}
                             for c, b, m, s in zip(self.design.columns, self.coefficients, self.design.mean,
                                                   self.design.scale)],
                "imputed": self.design.fill, "penalty": f"L2, C={PENALTY_C}"}


def fit(rows: pd.DataFrame, labels: np.ndarray) -> Fitted:
    if labels.sum() < 10 or (1 - labels).sum() < 10:
        raise InsufficientData(f"too few training examples to fit ({int(labels.sum())} positive of {len(labels)}); "
                       "the EDW needs more history.")
    d, x = design(rows)
    model = LogisticRegression(C=PENALTY_C, solver="lbfgs", max_iter=2000)
    model.fit(x, labels)
    coefficients, intercept = model.coef_[0], float(model.intercept_[0])
    p = 1.0 / (1.0 + np.exp(-(intercept + x @ coefficients)))
    with_intercept = np.hstack([np.ones((len(x), 1)), x])
    information = (with_intercept * (p * (1 - p))[:, None]).T @ with_intercept
    information[1:, 1:] += np.eye(len(coefficients)) / PENALTY_C
    return Fitted(d, coefficients, intercept, np.linalg.inv(information))


@dataclass
class Validation:
    rows: int
    positives: int
    auroc: float
    brier: float
    calibration_in_the_large: float
    deciles: pd.DataFrame


def validate(fitted: Fitted, rows: pd.DataFrame, labels: np.ndarray) -> Validation:
    if labels.sum() == 0 or labels.sum() == len(labels):
        raise InsufficientData("the validation window has only one outcome class; AUROC is undefined.")
    p = fitted.predict(fitted.design.matrix(rows))
    order = pd.qcut(pd.Series(p).rank(method="first"), 10, labels=False)
    deciles = (pd.DataFrame({"decile": order + 1, "predicted": p, "observed": labels})
               .groupby("decile").agg(rows=("observed", "size"), mean_predicted=("predicted", "mean"),
                                       observed_rate=("observed", "mean")).reset_index())
    return Validation(len(labels), int(labels.sum()), float(roc_auc_score(labels, p)),
                      float(brier_score_loss(labels, p)), float(p.mean() - labels.mean()), deciles)


def explain(fitted: Fitted, rows: pd.DataFrame, labels: dict[str, str]) -> tuple[np.ndarray, list[list[Factor]],
                                                                              np.ndarray]:
    """Probabilities, factors (top TOP_FACTORS by size, then the rest as other_features) and confidence."""
    x = fitted.design.matrix(rows)
    raw = fitted.design.raw(rows).to_numpy()
    contributions = x * fitted.coefficients
    names = fitted.design.columns
    top = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :TOP_FACTORS]
    all_factors = []
    for i in range(len(x)):
        chosen = top[i]
        factors = [factor(names[j], contributions[i, j], labels.get(names[j], names[j]), _value(raw[i, j]))
                   for j in chosen]
        rest = contributions[i].sum() - contributions[i, chosen].sum()
        factors.append(factor("other_features", rest, f"the other {len(names) - len(chosen)} features together"))
        all_factors.append(factors)
    return fitted.predict(x), all_factors, fitted.confidence(x)


def _value(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(float(v), 2)


def algorithm() -> str:
    return f"scikit-learn {metadata.version('scikit-learn')} LogisticRegression (L2, C={PENALTY_C}, standardised)"


def feature_labels(bundle_names: dict[str, str]) -> dict[str, str]:
    return {**LABELS, **{f"condition_{code}": name for code, name in bundle_names.items()}}


@dataclass
class Split:
    """Training and validation examples (feature rows with a 0/1 label) and how they were chosen."""

    train: pd.DataFrame
    train_labels: np.ndarray
    train_cutoffs: list[Any]
    validation: pd.DataFrame
    validation_labels: np.ndarray
    validation_cutoff: Any


def train_validate_score(model_code: str, major_minor: str, split: Split, current: pd.DataFrame,
                         scoring_date: Any, labels: dict[str, str]) -> ModelScores:
    """Fit on the training examples, validate on the later ones, and score `current` with that model."""
    start = time.perf_counter()
    fitted = fit(split.train, split.train_labels)
    check = validate(fitted, split.validation, split.validation_labels)
    probabilities, factors, confidence = explain(fitted, current, labels)
    scores = pd.DataFrame({"patient_id": current.patient_id.to_numpy(), "score_value": np.round(probabilities, 4),
                           "contributing_factors": factors, "confidence": np.round(confidence, 4)})
    version = ModelVersion(
        model_code, f"{major_minor}.{scoring_date:%Y%m%d}", scoring_date, algorithm(),
        training_rows=len(split.train_labels), training_positives=int(split.train_labels.sum()),
        training_cutoffs="|".join(str(c) for c in split.train_cutoffs), validation_cutoff=split.validation_cutoff,
        validation_rows=check.rows, validation_positives=check.positives, validation_auroc=round(check.auroc, 4),
        validation_brier=round(check.brier, 4), calibration_in_the_large=round(check.calibration_in_the_large, 4),
        parameters=fitted.parameters(), calibration_table=check.deciles)
    return ModelScores(model_code, scoring_date, version, scores, time.perf_counter() - start)
