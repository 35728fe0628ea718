"""Issue 13, sections 2, 4 and 6 on a hand-made EDW whose answers are worked out by hand below:

- an EDW written by another loader: conditions coded in SNOMED CT only and an EMPTY code_crosswalk; the
  project's own SNOMED CT -> ICD-10-CM map qualifies the patients, stages and complications included;
- measures closed by codes of the seed measure_evidence_codes: a LOINC score (ASCVD 10-year risk) and a CPT
  Category II code (RA disease activity);
- an EDW far too small to train READMIT_30D: `phm score` scores every active patient with the LACE index,
  and the one patient with a hospital stay gets the LACE total worked out by hand.

One module-scoped build (dbt seed, then `dbt run` of the care-gap engine and the risk features).
"""

from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.orchestrate import run_dbt
from phm.risk import lace, scoring

AS_OF = date(2026, 6, 30)
VARS = ["--vars", "{run_date: '%s'}" % AS_OF]

# patient_id: (sex, conditions as (code, system, onset))
PATIENTS = {
    1: ("F", [("433144002", "SNOMED-CT", "2020-01-01"),    # CKD stage 3 -> N18.30: CKD
              ("127013003", "SNOMED-CT", "2019-05-01")]),  # diabetic kidney disease -> E11.21: DM2
    2: ("M", [("700379002", "SNOMED-CT", "2021-03-01"),    # CKD stage 3B -> N18.32: CKD
              ("1201005", "SNOMED-CT", "2018-01-01")]),    # benign essential hypertension -> I10: HTN
    3: ("F", [("69896004", "SNOMED-CT", "2017-06-01")]),   # rheumatoid arthritis -> M06.9: RA
    4: ("M", [("73211009", "SNOMED-CT", "2020-01-01"),     # diabetes mellitus NOS: in no map, no bundle
              ("426749004", "SNOMED-CT", "2022-01-01")]),  # chronic AF: in the AFIB eCQM value set only
    5: ("M", [("I50.9", "ICD-10-CM", "2015-01-01"),        # heart failure: HF; Charlson CHF 2
              ("J44.9", "ICD-10-CM", "2016-01-01")]),      # COPD: COPD; Charlson chronic pulmonary 2
}
EXPECTED_BUNDLES = {(1, "CKD"), (1, "DM2"), (2, "CKD"), (2, "HTN"), (3, "RA"), (4, "AFIB"), (5, "HF"), (5, "COPD")}


def _load(conn: Connection) -> None:
    ddl.init_schema(conn, reset=True)
    with conn.connect() as pg:
        for pid, (sex, conditions) in PATIENTS.items():
            pg.execute("insert into phm_edw.patient (patient_id, mrn, first_name, last_name, date_of_birth, gender) "
                       "values (%s, %s, 'Test', 'Patient', '1950-02-01', %s)", (pid, f"MRN{pid}", sex))
            for i, (code, system, onset) in enumerate(conditions):
                cid = pid * 10 + i
                pg.execute("insert into phm_edw.condition (condition_id, condition_code, condition_name, code_system) "
                           "values (%s, %s, %s, %s)", (cid, code, f"condition {code}", system))
                pg.execute("insert into phm_edw.condition_diagnosis (patient_id, condition_id, diagnosis_status, "
                           "onset_date) values (%s, %s, 'Active', %s)", (pid, cid, onset))
        # patient 3: ASCVD 10-year risk (LOINC 79423-0) and RA disease activity, low (CPT II 3470F)
        pg.execute("insert into phm_edw.observation (patient_id, observation_datetime, observation_code, value_numeric, "
                   "status) values (3, '2026-05-01 10:00', '79423-0', 7.5, 'final')")
        pg.execute("insert into phm_edw.procedure (procedure_id, procedure_code, procedure_desc, code_system) "
                   "values (1, '3470F', 'RA disease activity, low', 'CPT')")
        pg.execute("insert into phm_edw.procedure_performed (patient_id, procedure_id, procedure_datetime) "
                   "values (3, 1, '2026-06-01 10:00')")
        # patient 5: ED visits on 2026-03-01 and 2026-04-01, then one on 2026-06-10 that admits him until
        # 2026-06-15 (5 days); the code_crosswalk stays empty
        for when in ("2026-03-01 08:00", "2026-04-01 08:00", "2026-06-10 08:00"):
            pg.execute("insert into phm_edw.encounter (patient_id, encounter_type, encounter_datetime, status) "
                       "values (5, 'Emergency', %s, 'finished')", (when,))
        pg.execute("insert into phm_edw.encounter (patient_id, encounter_type, encounter_datetime, admission_datetime, "
                   "discharge_datetime, status) values (5, 'Inpatient', '2026-06-10 14:00', '2026-06-10 14:00', "
                   "'2026-06-15 11:00', 'finished')")
        assert pg.execute("select count(*) from phm_edw.code_crosswalk").fetchone()[0] == 0  # type: ignore[index]


@pytest.fixture(scope="module")
def built(test_db: Connection) -> Connection:
    _load(test_db)
    # only the seeds and models these tests read; their data and unit tests run in every nightly build
    models = ["+int_care_gaps__measure_status", "+int_risk_features", "+int_risk_index_stays", "+int_risk_diagnoses"]
    seeds = ["lace_index_points", "lace_charlson_conditions", "abigail_composite_weights"]
    assert run_dbt(test_db, ["seed", "--full-refresh", "--select", *models, *seeds, *VARS], "seed",
                   show_progress=False).ok
    step = run_dbt(test_db, ["run", "--select", *models, *VARS], "run", show_progress=False)
    assert step.ok, step.failures
    return test_db


def _frame(conn: Connection, sql: str) -> pd.DataFrame:
    with conn.connect() as pg:
        cur = pg.execute(sql)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description or []])


def test_snomed_problem_list_qualifies_without_a_crosswalk(built: Connection) -> None:
    got = _frame(built, "select patient_id, bundle_code from phm_int.int_care_gaps__qualified")
    assert set(zip(got.patient_id, got.bundle_code)) == EXPECTED_BUNDLES


def test_a_loinc_score_and_a_cpt_ii_code_close_their_measures(built: Connection) -> None:
    status = _frame(built, "select measure_code, gap_status from phm_int.int_care_gaps__measure_status "
                           "where patient_id = 3")
    status = dict(zip(status.measure_code, status.gap_status))
    assert status["RA-01"] == "Closed"  # CPT II 3470F, an "every visit" measure and no visit since
    assert status["RA-03"] == "Closed"  # LOINC 79423-0 within its 5 years
    assert status["RA-02"] == "Open"    # DMARD therapy: no prescription on file


def _hand_probability(total: int) -> float:
    # the LACE paper's expected risks: 2.0% at LACE 0, 43.7% at LACE 19; the logistic curve through them
    a = math.log(0.02 / 0.98)
    b = (math.log(0.437 / 0.563) - a) / 19
    return 1 / (1 + math.exp(-(a + b * total)))


def test_a_tiny_edw_gets_lace_scores_for_every_active_patient(built: Connection, tmp_path: Path) -> None:
    report = scoring.score(built, AS_OF, ("READMIT_30D",), audit_dir=tmp_path)
    assert "READMIT_30D" in report.fallbacks and not report.skipped
    line = next(text for text in report.lines() if text.startswith("READMIT_30D"))
    assert "version LACE.20260630" in line and "[LACE index: " in line
    runs = _frame(built, "select patient_id, score_value, contributing_factors, model_version, confidence "
                         "from phm_score.risk_score_run where model_code = 'READMIT_30D'")
    assert sorted(runs.patient_id) == [1, 2, 3, 4, 5]  # every active patient
    assert set(runs.model_version) == {"LACE.20260630"}
    five = runs.set_index("patient_id").loc[5]
    factors = {f["factor"]: f for f in json.loads(five.contributing_factors)} \
        if isinstance(five.contributing_factors, str) else {f["factor"]: f for f in five.contributing_factors}
    # by hand: stay of 5 days -> L 4; admitted through the ED -> A 3; Charlson CHF 2 + chronic pulmonary 2 = 4
    # -> C 5; ED visits in the 6 months before 2026-06-30: 3 -> E 3. LACE 15.
    assert {k: v["weight"] for k, v in factors.items()} == {"lace_length_of_stay": 4, "lace_acuity": 3,
                                                            "lace_comorbidity": 5, "lace_ed_visits": 3}
    assert float(five.score_value) == pytest.approx(_hand_probability(15), abs=1e-4)
    assert float(five.confidence) == 1.0
    # patient 1: no stay, Charlson 0 (CKD and diabetic kidney disease are not LACE comorbidities... but
    # E11.21 is diabetes with end-organ damage, 2) -> LACE 2; no stay -> confidence 0.5
    one = runs.set_index("patient_id").loc[1]
    assert float(one.score_value) == pytest.approx(_hand_probability(2), abs=1e-4)
    assert float(one.confidence) == 0.5
    with built.connect() as pg:
        algorithm, parameters = pg.execute("select algorithm, parameters from phm_score.model_version "
                                           "where model_version = 'LACE.20260630'").fetchone()  # type: ignore[misc]
    assert "van Walraven" in algorithm and "0.684" in algorithm
    assert parameters["index"] == "LACE" and parameters["why"].startswith("the trained READMIT_30D model could not")


def test_lace_points_and_charlson_hierarchy_by_hand() -> None:
    points = pd.DataFrame({"component": ["length_of_stay"] * 7 + ["acuity"] * 2 + ["comorbidity"] * 5
                           + ["ed_visits"] * 5 + ["expected_risk"] * 2,
                           "min_value": [0, 1, 2, 3, 4, 7, 14, 0, 1, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 19],
                           "max_value": [1, 2, 3, 4, 7, 14, None, 1, None, 1, 2, 3, 4, None, 1, 2, 3, 4, None, 0, 19],
                           "points": [0, 1, 2, 3, 4, 5, 7, 0, 3, 0, 1, 2, 3, 5, 0, 1, 2, 3, 4, 0.020, 0.437]})
    conditions = pd.DataFrame({
        "condition": ["mild_liver_disease", "moderate_severe_liver_disease", "any_tumour", "metastatic_solid_tumour"],
        "weight": [2, 4, 2, 6], "supersedes": ["", "mild_liver_disease", "", "any_tumour"],
        "icd10_prefixes": ["K74", "K72.1", "C34", "C78"]})
    model = lace.Lace.from_seeds(points, conditions)
    dx = pd.DataFrame({"patient_id": [1, 1, 1, 1, 2], "icd10_code": ["K7460", "K7210", "C3490", "C7800", "K7460"]})
    # patient 1: moderate/severe liver (4) replaces mild (2); metastatic (6) replaces any tumour (2): 10
    assert model.charlson(dx, "patient_id").to_dict() == {1: 10.0, 2: 2.0}
    total = model.total(pd.Series([0.5, 13, 14]), pd.Series([False, True, True]), pd.Series([10.0, 3, 0]),
                        pd.Series([5, 0, 2]))
    assert total.lace.tolist() == [0 + 0 + 5 + 4, 5 + 3 + 3 + 0, 7 + 3 + 0 + 2]
