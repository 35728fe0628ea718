"""Read what the models need from the warehouse dbt built: the risk features, the inpatient stays, the
diagnoses, and the seeds (bundle names, composite weights). Nothing here writes."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
import yaml

from phm.db import Connection
from phm.errors import PhmError
from phm.paths import project_root

FEATURES = "phm_int.int_risk_features"
STAYS = "phm_int.int_risk_index_stays"
DIAGNOSES = "phm_int.int_risk_diagnoses"


@dataclass(frozen=True)
class Windows:
    """The dbt vars the features were built with (dbt_project.yml)."""

    cutoff_spacing_days: int
    lookback_days: int
    ed_window_days: int
    readmission_days: int


def windows() -> Windows:
    text = (project_root() / "dbt_project.yml").read_text()
    variables: dict[str, Any] = yaml.safe_load(text).get("vars", {})
    try:
        return Windows(int(variables["risk_cutoff_spacing_days"]), int(variables["risk_lookback_days"]),
                       int(variables["risk_ed_window_days"]), int(variables["risk_readmission_days"]))
    except KeyError as missing:
        raise PhmError(f"dbt_project.yml has no var {missing}; the risk features need it.") from None


def query(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> pd.DataFrame:
    with conn.connect() as pg, pg.cursor() as cur:
        cur.execute(sql, params)  # type: ignore[arg-type]
        columns = [c.name for c in cur.description or []]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def _require(conn: Connection, relations: tuple[str, ...]) -> None:
    with conn.connect() as pg:
        for relation in relations:
            if pg.execute("select to_regclass(%s)", (relation,)).fetchone()[0] is None:  # type: ignore[index]
                raise PhmError(f"{relation} does not exist: run `phm run` to build the warehouse before scoring.")


def feature_dates(conn: Connection) -> list[date]:
    _require(conn, (FEATURES, STAYS, DIAGNOSES, "phm_score.risk_score_run", "phm_ref.abigail_composite_weights"))
    frame = query(conn, f"select distinct feature_date from {FEATURES} order by 1")
    return list(frame.feature_date)


def features(conn: Connection) -> pd.DataFrame:
    """Every patient x feature date, in a fixed order (training must not depend on row order). Read with
    COPY as CSV, several times faster than fetching rows at 100,000 patients x 9 dates."""
    buffer = io.BytesIO()
    with conn.connect() as pg, pg.cursor() as cur:
        with cur.copy(f"copy (select * from {FEATURES} order by feature_date, patient_id) to stdout "
                      "with (format csv, header)") as copy:
            for chunk in copy:
                buffer.write(chunk)
    buffer.seek(0)
    frame = pd.read_csv(buffer, dtype=str, keep_default_na=False, na_values=[""])
    for column in ("patient_id", "cutoffs_back", "age_years", "chronic_condition_count", "ed_visits_6mo",
                   "ed_visits_12mo", "inpatient_stays_12mo", "office_visits_12mo", "days_since_last_encounter",
                   "open_care_gaps", "overdue_care_gaps", "closed_care_gaps"):
        frame[column] = frame[column].astype(int)
    for column in ("care_gap_compliance_pct", "social_isolation_score"):
        frame[column] = frame[column].astype(float)
    for column in ("feature_date", "sdoh_assessment_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.date
    for column in ("is_active_patient", "has_medicare", "has_medicaid", "has_food_insecurity",
                   "has_housing_instability", "has_transportation_barrier"):
        frame[column] = frame[column] == "t"
    frame["has_ed_visit_after"] = frame.has_ed_visit_after.map({"t": True, "f": False}).astype("boolean")
    # a text[] of bundle codes, which hold no comma, quote or space: '{DM2,HF}'
    frame["active_bundle_codes"] = frame.active_bundle_codes.map(lambda v: v[1:-1].split(",") if len(v) > 2 else [])
    frame["sex"] = frame.sex.astype(object).where(frame.sex.notna(), None)
    return frame


def index_stays(conn: Connection) -> pd.DataFrame:
    return query(conn, f"select * from {STAYS} where feature_date is not null order by admission_date, encounter_id")


def diagnoses(conn: Connection, start: date, end: date) -> pd.DataFrame:
    """patient_id, icd10_code of the diagnoses present at some time in [start, end)."""
    return query(conn, f"""
        select distinct patient_id, icd10_code
        from {DIAGNOSES}
        where icd10_code is not null
          and onset_date < %s
          and (resolution_date is null or resolution_date >= %s)
        order by patient_id, icd10_code""", (end, start))


def diagnosis_periods(conn: Connection) -> pd.DataFrame:
    """patient_id, icd10_code, onset_date, resolution_date of every diagnosis with an ICD-10-CM code (the LACE
    index reads the comorbidities present on a given day)."""
    return query(conn, f"""
        select patient_id, icd10_code, onset_date, resolution_date
        from {DIAGNOSES}
        where icd10_code is not null
        order by patient_id, icd10_code, onset_date""")


def lace_seeds(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The LACE point table and Charlson conditions (seeds lace_index_points, lace_charlson_conditions)."""
    _require(conn, ("phm_ref.lace_index_points", "phm_ref.lace_charlson_conditions"))
    points = query(conn, "select component, min_value, max_value, points from phm_ref.lace_index_points")
    conditions = query(conn, "select condition, weight, supersedes, icd10_prefixes from phm_ref.lace_charlson_conditions "
                             "order by condition")
    return points, conditions


def bundle_names(conn: Connection) -> dict[str, str]:
    frame = query(conn, "select bundle_code, bundle_name from phm_ref.care_gap_bundles")
    return dict(zip(frame.bundle_code, frame.bundle_name))


def composite_weights(conn: Connection) -> pd.DataFrame:
    frame = query(conn, "select component, weight, cap, description from phm_ref.abigail_composite_weights "
                        "order by component")
    frame["weight"] = frame.weight.astype(float)
    frame["cap"] = frame.cap.astype(float)
    return frame


def landed_scores(conn: Connection, model_codes: tuple[str, ...], scoring_date: date) -> pd.DataFrame:
    """Scores already landed for a date (the composite reads them when its inputs are not rescored)."""
    return query(conn, """
        select model_code, patient_id, score_value, confidence
        from phm_score.risk_score_run
        where model_code = any(%s) and scoring_date = %s""", (list(model_codes), scoring_date))
