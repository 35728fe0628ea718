"""ED_RISK: the probability of at least one ED visit in the 180 days after the scoring date, from a
logistic regression on the patient's features (training.py).

Examples are patient x feature date, labelled by int_risk_features.has_ed_visit_after. For scoring date
S and window W (var risk_ed_window_days): validation on the feature date S - W, whose window ends at S;
training on the feature dates whose windows end by S - W. Nothing the model learns from happened after
the validation cutoff, and the validation labels are all observed by S.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from phm.risk.common import InsufficientData, ModelScores
from phm.risk.training import Split, train_validate_score

MODEL_CODE = "ED_RISK"
MAJOR_MINOR = "1.0"


def split(features: pd.DataFrame, scoring_date: date, window_days: int) -> Split:
    validation_cutoff = scoring_date - timedelta(days=window_days)
    labelled = features[features.has_ed_visit_after.notna()]
    validation = labelled[labelled.feature_date == validation_cutoff]
    train = labelled[labelled.feature_date + timedelta(days=window_days) <= validation_cutoff]
    if validation.empty or train.empty:
        raise InsufficientData(f"ED_RISK needs labelled features at {validation_cutoff} (validation) and before "
                       f"{validation_cutoff - timedelta(days=window_days)} (training) for scoring date {scoring_date}; "
                       "score a date whose history the features cover.")
    return Split(train, train.has_ed_visit_after.astype(bool).to_numpy(dtype=int), sorted(set(train.feature_date)),
                 validation, validation.has_ed_visit_after.astype(bool).to_numpy(dtype=int), validation_cutoff)


def score(features: pd.DataFrame, current: pd.DataFrame, scoring_date: date, window_days: int,
          labels: dict[str, str]) -> ModelScores:
    examples = split(features, scoring_date, window_days)
    return train_validate_score(MODEL_CODE, MAJOR_MINOR, examples, current, scoring_date, labels)

