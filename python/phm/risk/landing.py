"""Write scoring runs to the phm_score landing schema, all models in one transaction, so that a failure
leaves every earlier run as it was.

Per model and scoring date the new run is copied into a temporary table and compared with the landed
run: when every row is the same (scored_at aside) nothing is written, so a rerun with no change leaves
phm_score, and fact_ai_risk_score after it, untouched; otherwise the landed run is deleted and the new one
inserted, so a rerun replaces its run instead of adding to it.
"""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pandas as pd
import psycopg

from phm.db import Connection
from phm.errors import PhmError
from phm.risk.common import ModelScores, factors_json

RUN_COLUMNS = ("model_code", "scoring_date", "patient_id", "score_value", "contributing_factors", "model_version",
               "confidence", "scored_at")
COMPARED = ", ".join(c for c in RUN_COLUMNS if c != "scored_at")


def write(conn: Connection, results: list[ModelScores]) -> dict[str, str]:
    """Land the runs; returns 'written' or 'unchanged' per model code."""
    try:
        return _write(conn, results)
    except psycopg.Error as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise PhmError(f"writing the scoring run to phm_score failed, so nothing was written: {first}") from None


def _write(conn: Connection, results: list[ModelScores]) -> dict[str, str]:
    scored_at = datetime.now(timezone.utc)
    outcome: dict[str, str] = {}
    with conn.connect(autocommit=False) as pg:
        with pg.cursor() as cur:
            for result in results:
                cur.execute("create temporary table new_run (like phm_score.risk_score_run) on commit drop")
                with cur.copy(f"copy new_run ({', '.join(RUN_COLUMNS)}) from stdin with (format csv)") as copy:
                    copy.write(_csv(result, scored_at))
                cur.execute(f"""
                    select not exists (
                        (select {COMPARED} from new_run
                         except all
                         select {COMPARED} from phm_score.risk_score_run where model_code = %(m)s and scoring_date = %(d)s)
                        union all
                        (select {COMPARED} from phm_score.risk_score_run where model_code = %(m)s and scoring_date = %(d)s
                         except all
                         select {COMPARED} from new_run))""", {"m": result.model_code, "d": result.scoring_date})
                unchanged = bool(cur.fetchone()[0])  # type: ignore[index]
                if not unchanged:
                    cur.execute("delete from phm_score.risk_score_run where model_code = %s and scoring_date = %s",
                                (result.model_code, result.scoring_date))
                    cur.execute("insert into phm_score.risk_score_run select * from new_run")
                _upsert_version(cur, result, scored_at)
                cur.execute("drop table new_run")
                outcome[result.model_code] = "unchanged" if unchanged else "written"
        pg.commit()
    return outcome


def _csv(result: ModelScores, scored_at: datetime) -> str:
    frame = pd.DataFrame({
        "model_code": result.model_code, "scoring_date": result.scoring_date,
        "patient_id": result.scores.patient_id.astype(int),
        "score_value": result.scores.score_value.map(lambda v: f"{v:.4f}"),
        "contributing_factors": result.scores.contributing_factors.map(factors_json),
        "model_version": result.version.model_version,
        "confidence": result.scores.confidence.map(lambda v: f"{v:.4f}"),
        "scored_at": scored_at.isoformat(),
    })[list(RUN_COLUMNS)]
    buffer = io.StringIO()
    frame.to_csv(buffer, header=False, index=False)
    return buffer.getvalue()


def _upsert_version(cur, result: ModelScores, scored_at: datetime) -> None:  # type: ignore[no-untyped-def]
    """Insert the version, or update it when anything but trained_at differs."""
    v = result.version
    cur.execute("""
        insert into phm_score.model_version as current (
            model_code, model_version, trained_on, trained_at, algorithm, training_rows, training_positives,
            training_cutoffs, validation_cutoff, validation_rows, validation_positives, validation_auroc,
            validation_brier, calibration_in_the_large, parameters)
        values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb)
        on conflict (model_code, model_version) do update set
            trained_on = excluded.trained_on, trained_at = excluded.trained_at, algorithm = excluded.algorithm,
            training_rows = excluded.training_rows, training_positives = excluded.training_positives,
            training_cutoffs = excluded.training_cutoffs, validation_cutoff = excluded.validation_cutoff,
            validation_rows = excluded.validation_rows, validation_positives = excluded.validation_positives,
            validation_auroc = excluded.validation_auroc, validation_brier = excluded.validation_brier,
            calibration_in_the_large = excluded.calibration_in_the_large, parameters = excluded.parameters
        where (current.trained_on, current.algorithm, current.training_rows, current.training_positives,
               current.training_cutoffs, current.validation_cutoff, current.validation_rows,
               current.validation_positives, current.validation_auroc, current.validation_brier,
               current.calibration_in_the_large, current.parameters)
            is distinct from
              (excluded.trained_on, excluded.algorithm, excluded.training_rows, excluded.training_positives,
               excluded.training_cutoffs, excluded.validation_cutoff, excluded.validation_rows,
               excluded.validation_positives, excluded.validation_auroc, excluded.validation_brier,
               excluded.calibration_in_the_large, excluded.parameters)""",
                (v.model_code, v.model_version, v.trained_on, scored_at, v.algorithm, v.training_rows,
                 v.training_positives, v.training_cutoffs, v.validation_cutoff, v.validation_rows,
                 v.validation_positives, v.validation_auroc, v.validation_brier, v.calibration_in_the_large,
                 json.dumps(v.parameters)))
