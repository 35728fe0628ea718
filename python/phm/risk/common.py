"""What every risk model returns: one score per patient with its factors and confidence, and the model
version that produced it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from phm.errors import PhmError

Factor = dict[str, Any]


class InsufficientData(PhmError):
    """The warehouse holds too little history to train or validate a model: it is skipped, not failed."""


@dataclass
class ModelVersion:
    """A row of phm_score.model_version."""

    model_code: str
    model_version: str
    trained_on: date
    algorithm: str
    training_rows: int | None = None
    training_positives: int | None = None
    training_cutoffs: str | None = None
    validation_cutoff: date | None = None
    validation_rows: int | None = None
    validation_positives: int | None = None
    validation_auroc: float | None = None
    validation_brier: float | None = None
    calibration_in_the_large: float | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    calibration_table: pd.DataFrame | None = None  # predicted vs observed by decile, for the audit only


@dataclass
class ModelScores:
    """One model's scores for one scoring date: columns patient_id, score_value (rounded to 4 decimals),
    contributing_factors (list of factor dicts), confidence (0-1)."""

    model_code: str
    scoring_date: date
    version: ModelVersion
    scores: pd.DataFrame
    seconds: float = 0.0


def factor(name: str, weight: float, label: str, value: Any = None) -> Factor:
    out: Factor = {"factor": name, "label": label, "weight": round(float(weight), 4)}
    if value is not None:
        out["value"] = value.item() if isinstance(value, np.generic) else value
    return out


def factors_json(factors: list[Factor]) -> str:
    return json.dumps(factors, separators=(",", ":"), sort_keys=False)
