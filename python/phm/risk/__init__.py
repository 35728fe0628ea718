"""AI risk scoring beside dbt: `phm score` reads the risk features dbt built, scores every active patient
with four models and lands one scoring run per model in the phm_score schema, which dbt reads back into
fact_ai_risk_score.

One module per model: hcc (CMS-HCC V28 through hccinfhir), readmission (READMIT_30D) and ed_risk
(ED_RISK), two logistic regressions trained with training.py, and composite (ABIGAIL_COMPOSITE).
scoring.py runs them; landing.py writes the run.
"""

MODEL_CODES = ("HCC_V28", "READMIT_30D", "ED_RISK", "ABIGAIL_COMPOSITE")
