"""READMIT_30D: the probability that an inpatient stay is followed by another inpatient admission within
30 days of discharge, from a logistic regression on the patient's features (training.py).

Examples are inpatient stays (int_risk_index_stays) with the patient's features at the latest feature
date on or before the admission, labelled by is_readmitted. For scoring date S and validation window V
(var risk_ed_window_days, 180 days): validation on the stays admitted from S - V whose 30 days have
passed by S; training on the stays whose 30 days had passed by S - V. Every active patient is scored:
the score is their risk should they be discharged from hospital now. Every inpatient admission counts
as a readmission; the EDW does not mark planned ones.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from phm.risk.common import InsufficientData, ModelScores
from phm.risk.training import Split, train_validate_score

MODEL_CODE = "READMIT_30D"
MAJOR_MINOR = "1.0"


def split(features: pd.DataFrame, stays: pd.DataFrame, scoring_date: date, validation_days: int,
          readmission_days: int) -> Split:
    validation_cutoff = scoring_date - timedelta(days=validation_days)
    examples = stays[stays.is_readmitted.notna()].merge(features.drop(columns="has_ed_visit_after"),
                                                         on=["patient_id", "feature_date"], how="inner")
    label_known_by = examples.discharge_date + timedelta(days=readmission_days)
    validation = examples[(examples.admission_date >= validation_cutoff) & (label_known_by <= scoring_date)]
    train = examples[label_known_by <= validation_cutoff]
    if validation.empty or train.empty:
        raise InsufficientData(f"READMIT_30D needs inpatient stays with a known outcome before {validation_cutoff} "
                       f"(training) and after it (validation) for scoring date {scoring_date}.")
    return Split(train, train.is_readmitted.astype(bool).to_numpy(dtype=int), sorted(set(train.feature_date)),
                 validation, validation.is_readmitted.astype(bool).to_numpy(dtype=int), validation_cutoff)


def score(features: pd.DataFrame, stays: pd.DataFrame, current: pd.DataFrame, scoring_date: date,
          validation_days: int, readmission_days: int, labels: dict[str, str]) -> ModelScores:
    examples = split(features, stays, scoring_date, validation_days, readmission_days)
    return train_validate_score(MODEL_CODE, MAJOR_MINOR, examples, current, scoring_date, labels)
