"""Write scoring runs to the phm_score landing schema: per model and scoring date, delete the run and copy
the new one in, and record the model version, all in one transaction, so a failure leaves every earlier
run as it was and a rerun for the same date replaces its run instead of adding to it."""

from __future__ import annotations

import io
import json
from datetime import datetime, timezone

import pandas as pd

from phm.db import Connection
from phm.risk.common import ModelScores, factors_json

RUN_COLUMNS = ("model_code", "scoring_date", "patient_id", "score_value", "contributing_factors", "model_version",
               "confidence", "scored_at")


def write(conn: Connection, results: list[ModelScores]) -> datetime:
    scored_at = datetime.now(timezone.utc)
    with conn.connect(autocommit=False) as pg:
        with pg.cursor() as cur:
            for result in results:
                cur.execute("delete from phm_score.risk_score_run where model_code = %s and scoring_date = %s",
                            (result.model_code, result.scoring_date))
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
                with cur.copy(f"copy phm_score.risk_score_run ({', '.join(RUN_COLUMNS)}) from stdin "
                              "with (format csv)") as copy:
                    copy.write(buffer.getvalue())
                _upsert_version(cur, result, scored_at)
        pg.commit()
    return scored_at


def _upsert_version(cur, result: ModelScores, scored_at: datetime) -> None:  # type: ignore[no-untyped-def]
    v = result.version
    cur.execute("""
        insert into phm_score.model_version (
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
            calibration_in_the_large = excluded.calibration_in_the_large, parameters = excluded.parameters""",
                (v.model_code, v.model_version, v.trained_on, scored_at, v.algorithm, v.training_rows,
                 v.training_positives, v.training_cutoffs, v.validation_cutoff, v.validation_rows,
                 v.validation_positives, v.validation_auroc, v.validation_brier, v.calibration_in_the_large,
                 json.dumps(v.parameters)))
