"""`phm score`: score every active patient with the chosen models for one scoring date, write the run to
phm_score, and the validation figures to output/audit. Every model is computed before anything is written,
and the write is one transaction: a failure anywhere leaves phm_score (and so fact_ai_risk_score) as it was.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from phm.db import Connection
from phm.errors import PhmError
from phm.paths import project_root
from phm.risk import MODEL_CODES, composite, data, ed_risk, hcc, lace, landing, readmission
from phm.risk.common import InsufficientData, ModelScores
from phm.risk.training import feature_labels


@dataclass
class ScoreReport:
    scoring_date: date
    results: list[ModelScores] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    fallbacks: dict[str, str] = field(default_factory=dict)  # model code -> why the published index scored it
    outcome: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    audit_path: Path | None = None

    def lines(self) -> list[str]:
        out = []
        for r in self.results:
            v = r.version
            figures = ""
            if v.validation_auroc is not None:
                figures = (f", AUROC {v.validation_auroc:.3f} (validation {v.validation_rows:,} rows, "
                           f"{v.validation_positives:,} positive)")
                if v.validation_brier is not None and v.calibration_in_the_large is not None:
                    figures += (f", Brier {v.validation_brier:.4f}, "
                                f"calibration in the large {v.calibration_in_the_large:+.4f}")
            lace_auroc = v.parameters.get("lace_validation_auroc")
            if lace_auroc is not None:
                figures += f"; LACE index on the same stays: AUROC {lace_auroc:.3f}"
            landed = " (same as the landed run: nothing rewritten)" if self.outcome.get(r.model_code) == "unchanged" else ""
            fallback = f" [LACE index: {self.fallbacks[r.model_code]}]" if r.model_code in self.fallbacks else ""
            out.append(f"{r.model_code}: {len(r.scores):,} patients scored in {r.seconds:.1f} s, version "
                       f"{v.model_version}{figures}{landed}{fallback}")
        for code, reason in self.skipped.items():
            out.append(f"{code}: skipped: {reason}")
        out.append(f"scoring date {self.scoring_date}: {sum(len(r.scores) for r in self.results):,} scores "
                   f"landed in phm_score.risk_score_run in {self.seconds:.1f} s")
        if self.audit_path is not None:
            out.append(f"validation audit: {self.audit_path}")
        return out


def parse_models(text: str | None) -> tuple[str, ...]:
    """'HCC_V28,ED_RISK' -> the codes, in the order they must run; None means all."""
    if not text:
        return MODEL_CODES
    wanted = {part.strip().upper() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(MODEL_CODES))
    if unknown:
        raise PhmError(f"unknown model {', '.join(unknown)}; choose from {', '.join(MODEL_CODES)}.")
    return tuple(code for code in MODEL_CODES if code in wanted)


def resolve_date(available: list[date], scoring_date: date | None) -> date:
    if not available:
        raise PhmError("phm_int.int_risk_features is empty: run `phm run` to build the features first.")
    if scoring_date is None:
        return max(available)
    if scoring_date not in available:
        raise PhmError(f"no risk features as of {scoring_date}: the features are built for "
                       f"{', '.join(str(d) for d in available)} (the run date and the cutoffs before it).")
    return scoring_date


def score(conn: Connection, scoring_date: date | None = None, models: tuple[str, ...] = MODEL_CODES,
          audit_dir: Path | None = None) -> ScoreReport:
    start = time.perf_counter()
    scoring_date = resolve_date(data.feature_dates(conn), scoring_date)
    windows = data.windows()
    features = data.features(conn)
    current = features[(features.feature_date == scoring_date) & features.is_active_patient].reset_index(drop=True)
    labels = feature_labels(data.bundle_names(conn))
    report = ScoreReport(scoring_date)
    if "HCC_V28" in models:
        diagnoses = data.diagnoses(conn, scoring_date - timedelta(days=windows.lookback_days), scoring_date)
        report.results.append(hcc.score(current, diagnoses, scoring_date, windows.lookback_days))
    if "READMIT_30D" in models:
        report.results.append(_readmission(conn, features, current, scoring_date, windows, labels, report))
    if "ED_RISK" in models:
        try:
            report.results.append(ed_risk.score(features, current, scoring_date, windows.ed_window_days, labels))
        except InsufficientData as exc:
            report.skipped["ED_RISK"] = str(exc)
    if "ABIGAIL_COMPOSITE" in models:
        risks, missing = _risk_inputs(conn, report.results, scoring_date)
        for code in missing:
            report.skipped.setdefault(code, "no score for the date")
        report.results.append(composite.score(current, risks, data.composite_weights(conn), scoring_date))
    report.outcome = landing.write(conn, report.results)
    report.audit_path = write_audit(report, audit_dir or project_root() / "output" / "audit")
    report.seconds = time.perf_counter() - start
    return report


def _readmission(conn: Connection, features: pd.DataFrame, current: pd.DataFrame, scoring_date: date,
                 windows: data.Windows, labels: dict[str, str], report: ScoreReport) -> ModelScores:
    """READMIT_30D: the trained model, with the LACE index's AUROC on the same validation stays recorded beside
    its own; when it cannot be fitted or validated, the LACE index scores every patient instead."""
    stays = data.index_stays(conn)
    model = lace.Lace.from_seeds(*data.lace_seeds(conn))
    periods = data.diagnosis_periods(conn)
    try:
        result = readmission.score(features, stays, current, scoring_date, windows.ed_window_days,
                                   windows.readmission_days, labels)
    except InsufficientData as exc:
        report.fallbacks["READMIT_30D"] = str(exc)
        now = data.diagnoses(conn, scoring_date, scoring_date + timedelta(days=1))
        return lace.score(model, current, stays, now, periods, scoring_date, windows.lookback_days,
                          windows.ed_window_days, windows.readmission_days, str(exc))
    check = lace.validate(model, stays, periods, scoring_date, windows.ed_window_days, windows.readmission_days)
    result.version.parameters["lace_validation_auroc"] = None if check.auroc is None else round(check.auroc, 4)
    result.version.parameters["lace_auroc_scope"] = check.scope
    return result


def _risk_inputs(conn: Connection, results: list[ModelScores], scoring_date: date) -> tuple[pd.DataFrame, list[str]]:
    """The three risk scores for the composite, from this run, else from the run already landed for the
    date; and the models that have neither (their component then gives no points, with confidence 0)."""
    frames = [r.scores.assign(model_code=r.model_code)[["model_code", "patient_id", "score_value", "confidence"]]
              for r in results if r.model_code in composite.RISK_INPUTS.values()]
    scored = {r.model_code for r in results}
    elsewhere = tuple(code for code in composite.RISK_INPUTS.values() if code not in scored)
    landed = data.landed_scores(conn, elsewhere, scoring_date) if elsewhere else pd.DataFrame()
    if not landed.empty:
        frames.append(landed)
    found = scored | set(landed.get("model_code", pd.Series(dtype=str)))
    missing = [code for code in composite.RISK_INPUTS.values() if code not in found]
    columns = ["model_code", "patient_id", "score_value", "confidence"]
    return (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)), missing


def write_audit(report: ScoreReport, folder: Path) -> Path:
    """output/audit/risk_models_<date>.json: per model scored for the date, its version's training and
    validation figures and the calibration by decile of predicted probability (a run of some models
    replaces their entries and keeps the others')."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"risk_models_{report.scoring_date}.json"
    scored = {r.model_code for r in report.results}
    earlier = json.loads(path.read_text())["models"] if path.exists() else []
    models = [m for m in earlier if m["model_code"] not in scored]
    for r in report.results:
        v = r.version
        models.append({
            "model_code": v.model_code, "model_version": v.model_version, "trained_on": str(v.trained_on),
            "algorithm": v.algorithm, "patients_scored": len(r.scores), "seconds": round(r.seconds, 2),
            "training_rows": v.training_rows, "training_positives": v.training_positives,
            "training_cutoffs": v.training_cutoffs,
            "validation_cutoff": str(v.validation_cutoff) if v.validation_cutoff else None,
            "validation_rows": v.validation_rows, "validation_positives": v.validation_positives,
            "validation_auroc": v.validation_auroc, "validation_brier": v.validation_brier,
            "calibration_in_the_large": v.calibration_in_the_large,
            "calibration_by_decile": None if v.calibration_table is None
            else v.calibration_table.round(4).to_dict(orient="records"),
            "score_mean": round(float(r.scores.score_value.mean()), 4) if len(r.scores) else None,
            "lace_validation_auroc": v.parameters.get("lace_validation_auroc"),
            "fallback": report.fallbacks.get(v.model_code),
        })
    models.sort(key=lambda m: MODEL_CODES.index(m["model_code"]))
    path.write_text(json.dumps({"scoring_date": str(report.scoring_date), "models": models}, indent=2) + "\n")
    return path
