"""The LACE index (van Walraven et al., CMAJ 2010;182(6):551-557): READMIT_30D when the trained model cannot
be fitted or validated (too little history), and the published benchmark the trained model is compared with.

LACE = L (length of stay) + A (acuity: the admission was emergent) + C (the Charlson comorbidity score, with
the paper's weights) + E (ED visits in the 6 months before admission), each turned into points by the seed
lace_index_points; the Charlson conditions, their weights, ICD-10 codes and hierarchy are the seed
lace_charlson_conditions. Published C-statistic: 0.684.

As the trained model does, LACE scores every active patient as of the scoring date: L and A come from the
patient's latest inpatient stay discharged within the look-back window (var risk_lookback_days), C from the
diagnoses present on the scoring date, E from the ED visits of the 6 months before it. A patient with no such
stay gets 0 points for L and A (the risk should they be admitted electively today). The score is the
probability on the logistic curve through the paper's two published expected risks (LACE 0 and 19); the
factors are the four components with their points as weights (they sum to the LACE total) and the raw value;
confidence is 1 when the patient had a stay (all four components observed) and 0.5 when L and A were taken
as 0.

On the warehouse's own stays, validate() scores each stay as of its admission (L and A of that stay, C from
the diagnoses present on the admission day, E from the stay's ED visits before it) and reports the AUROC
against the 30-day readmission label, so LACE's discrimination is recorded beside the trained model's.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from phm.errors import PhmError
from phm.risk.common import ModelScores, ModelVersion, factor

MODEL_CODE = "READMIT_30D"
PUBLISHED_C_STATISTIC = 0.684
CITATION = ("van Walraven C, Dhalla IA, Bell C, et al. Derivation and validation of an index to predict early "
            "death or unplanned readmission after discharge from hospital to the community. CMAJ "
            "2010;182(6):551-557")
COMPONENTS = ("length_of_stay", "acuity", "comorbidity", "ed_visits")
LABELS = {"length_of_stay": "length of stay of the latest inpatient stay (days)",
          "acuity": "the latest admission was emergent (through the ED)",
          "comorbidity": "Charlson comorbidity score (LACE weights)",
          "ed_visits": "ED visits, last 6 months"}
NO_STAY_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Lace:
    """The published point table, the Charlson conditions and the expected-risk curve, from the seeds."""

    bands: pd.DataFrame  # component, min_value, max_value (NaN = open), points
    conditions: pd.DataFrame  # condition, weight, supersedes, prefixes (list of normalised prefixes)
    intercept: float
    slope: float

    @classmethod
    def from_seeds(cls, points: pd.DataFrame, conditions: pd.DataFrame) -> Lace:
        points = points.copy()
        for column in ("min_value", "max_value", "points"):
            points[column] = pd.to_numeric(points[column])
        missing = [c for c in COMPONENTS if c not in set(points.component)]
        anchors = points[points.component == "expected_risk"].sort_values("min_value")
        if missing or len(anchors) != 2:
            raise PhmError("seed lace_index_points must hold bands for length_of_stay, acuity, comorbidity and "
                           "ed_visits and two expected_risk rows" + (f"; missing {', '.join(missing)}" if missing else ""))
        (x0, p0), (x1, p1) = anchors[["min_value", "points"]].to_numpy(dtype=float)
        logit0, logit1 = math.log(p0 / (1 - p0)), math.log(p1 / (1 - p1))
        slope = (logit1 - logit0) / (x1 - x0)
        conditions = conditions.copy()
        conditions["weight"] = conditions.weight.astype(int)
        conditions["supersedes"] = conditions.supersedes.fillna("").astype(str)
        conditions["prefixes"] = conditions.icd10_prefixes.map(
            lambda v: tuple(p.strip().replace(".", "").upper() for p in str(v).split("|") if p.strip()))
        return cls(points[points.component != "expected_risk"], conditions, logit0 - slope * x0, slope)

    def points(self, component: str, values: pd.Series) -> np.ndarray:
        """Points of each value for one component (the band with min_value <= value < max_value)."""
        bands = self.bands[self.bands.component == component]
        v = values.to_numpy(dtype=float)
        out = np.zeros(len(v))
        for band in bands.itertuples():
            upper = np.inf if pd.isna(band.max_value) else band.max_value
            out[(v >= band.min_value) & (v < upper)] = band.points
        return out

    def charlson(self, diagnoses: pd.DataFrame, key: str) -> pd.Series:
        """Charlson score per `key` (a column of diagnoses, with icd10_code without dots), with the hierarchy:
        a present condition that supersedes another removes the other's weight."""
        if diagnoses.empty:
            return pd.Series(dtype=float)
        codes = diagnoses[[key, "icd10_code"]].dropna().drop_duplicates()
        code = codes.icd10_code.str.replace(".", "", regex=False).str.upper()
        present = []
        for c in self.conditions.itertuples():
            hit = code.str.startswith(c.prefixes)
            present.append(pd.DataFrame({key: codes[key][hit], "condition": c.condition}))
        found = pd.concat(present).drop_duplicates() if present else pd.DataFrame(columns=[key, "condition"])
        superseded = dict(zip(self.conditions.condition, self.conditions.supersedes))
        found["drops"] = found.condition.map(superseded)
        dropped = found[found.drops != ""][[key, "drops"]].rename(columns={"drops": "condition"}).drop_duplicates()
        kept = found.merge(dropped.assign(_drop=True), on=[key, "condition"], how="left")
        kept = kept[kept._drop.isna()]
        weights = dict(zip(self.conditions.condition, self.conditions.weight))
        return kept.assign(weight=kept.condition.map(weights)).groupby(key).weight.sum().astype(float)

    def total(self, length_of_stay: pd.Series, emergent: pd.Series, charlson: pd.Series,
              ed_visits: pd.Series) -> pd.DataFrame:
        """Points per component and the LACE total, one row per input row."""
        out = pd.DataFrame({
            "length_of_stay": self.points("length_of_stay", length_of_stay),
            "acuity": self.points("acuity", emergent.astype(float)),
            "comorbidity": self.points("comorbidity", charlson),
            "ed_visits": self.points("ed_visits", ed_visits),
        }, index=length_of_stay.index)
        out["lace"] = out[list(COMPONENTS)].sum(axis=1)
        return out

    def probability(self, lace: pd.Series) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.intercept + self.slope * lace.to_numpy(dtype=float))))

    def table(self) -> dict[str, Any]:
        return {"points": self.bands[["component", "min_value", "max_value", "points"]]
                .astype(object).where(self.bands[["component", "min_value", "max_value", "points"]].notna(), None)
                .to_dict(orient="records"),
                "charlson_weights": dict(zip(self.conditions.condition, self.conditions.weight.astype(int))),
                "expected_risk_logit": {"intercept": round(self.intercept, 6), "slope": round(self.slope, 6)}}


def stay_scores(model: Lace, stays: pd.DataFrame, diagnosis_periods: pd.DataFrame) -> pd.DataFrame:
    """LACE of each stay as of its admission: stays need encounter_id, patient_id, admission_date,
    discharge_date, is_emergent_admission, ed_visits_6mo_before; diagnosis_periods patient_id, icd10_code,
    onset_date, resolution_date."""
    if stays.empty:
        return stays.assign(lace=pd.Series(dtype=float))
    at = stays[["encounter_id", "patient_id", "admission_date"]].merge(diagnosis_periods, on="patient_id")
    at = at[(at.onset_date <= at.admission_date) & (at.resolution_date.isna() | (at.resolution_date > at.admission_date))]
    charlson = stays.encounter_id.map(model.charlson(at, "encounter_id")).fillna(0.0)
    los = (pd.to_datetime(stays.discharge_date) - pd.to_datetime(stays.admission_date)).dt.days
    points = model.total(los, stays.is_emergent_admission.astype(bool), charlson, stays.ed_visits_6mo_before)
    return stays.assign(lace=points.lace.to_numpy())


@dataclass
class LaceCheck:
    rows: int
    positives: int
    auroc: float | None
    scope: str


def validate(model: Lace, stays: pd.DataFrame, diagnosis_periods: pd.DataFrame, scoring_date: date,
             validation_days: int, readmission_days: int) -> LaceCheck:
    """LACE's AUROC for the 30-day readmission label on the stays of the validation window (admitted from
    scoring_date - validation_days, outcome known by scoring_date), the window the trained model is validated
    on; when it holds a single outcome class, on every stay with a known outcome."""
    labelled = stays[stays.is_readmitted.notna()].copy()
    labelled["is_readmitted"] = labelled.is_readmitted.astype(bool)
    known_by = pd.to_datetime(labelled.discharge_date) + pd.Timedelta(days=readmission_days)
    window = labelled[(pd.to_datetime(labelled.admission_date) >= pd.Timestamp(scoring_date - timedelta(days=validation_days)))
                      & (known_by <= pd.Timestamp(scoring_date))]
    for scope, rows in (("validation window", window), ("all stays with a known outcome", labelled)):
        y = rows.is_readmitted.to_numpy(dtype=int)
        if len(y) and 0 < y.sum() < len(y):
            scored = stay_scores(model, rows, diagnosis_periods)
            return LaceCheck(len(y), int(y.sum()), float(roc_auc_score(y, scored.lace.to_numpy())), scope)
    return LaceCheck(len(labelled), int(labelled.is_readmitted.sum()), None, "undefined: one outcome class")


def score(model: Lace, current: pd.DataFrame, stays: pd.DataFrame, diagnoses_now: pd.DataFrame,
          diagnosis_periods: pd.DataFrame, scoring_date: date, lookback_days: int, validation_days: int,
          readmission_days: int, reason: str) -> ModelScores:
    """READMIT_30D by LACE for every patient of `current` (features at the scoring date: patient_id,
    ed_visits_6mo); diagnoses_now: patient_id, icd10_code present on the scoring date."""
    start = time.perf_counter()
    recent = stays[(pd.to_datetime(stays.discharge_date) <= pd.Timestamp(scoring_date))
                   & (pd.to_datetime(stays.discharge_date) > pd.Timestamp(scoring_date - timedelta(days=lookback_days)))]
    latest = (recent.sort_values(["patient_id", "discharge_date", "encounter_id"])
              .drop_duplicates("patient_id", keep="last").set_index("patient_id"))
    patients = current.patient_id
    has_stay = patients.isin(latest.index)
    los = patients.map((pd.to_datetime(latest.discharge_date) - pd.to_datetime(latest.admission_date)).dt.days)
    los = los.fillna(0).astype(float)
    emergent = patients.isin(latest.index[latest.is_emergent_admission.astype(bool).to_numpy()])
    charlson = patients.map(model.charlson(diagnoses_now, "patient_id")).fillna(0.0)
    ed = current.ed_visits_6mo.astype(float)
    points = model.total(los, emergent, charlson, ed)
    raw = {"length_of_stay": los, "acuity": emergent.astype(int), "comorbidity": charlson, "ed_visits": ed}
    factors = [[factor(f"lace_{c}", points.at[i, c], LABELS[c], _value(raw[c].at[i])) for c in COMPONENTS]
               for i in points.index]
    scores = pd.DataFrame({"patient_id": patients.to_numpy(),
                           "score_value": np.round(model.probability(points.lace), 4),
                           "contributing_factors": factors,
                           "confidence": np.where(has_stay.to_numpy(), 1.0, NO_STAY_CONFIDENCE)})
    check = validate(model, stays, diagnosis_periods, scoring_date, validation_days, readmission_days)
    version = ModelVersion(
        MODEL_CODE, f"LACE.{scoring_date:%Y%m%d}", scoring_date,
        f"LACE index, published points (not trained); {CITATION}; published C-statistic {PUBLISHED_C_STATISTIC}",
        validation_rows=check.rows, validation_positives=check.positives,
        validation_auroc=None if check.auroc is None else round(check.auroc, 4),
        parameters={"index": "LACE", "why": f"the trained READMIT_30D model could not be used: {reason}",
                    "published_c_statistic": PUBLISHED_C_STATISTIC, "auroc_scope": check.scope,
                    "patients_with_a_stay": int(has_stay.sum()), **model.table()})
    return ModelScores(MODEL_CODE, scoring_date, version, scores, time.perf_counter() - start)


def _value(v: Any) -> float | int:
    f = float(v)
    return int(f) if f.is_integer() else round(f, 2)
