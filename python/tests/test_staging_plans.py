"""The staging row rules stay linear: no base model's plan evaluates a rule as a sub-plan per row.

An orphan rule written as NOT EXISTS inside the rule CASE is planned as a SubPlan: hashed while the
parent fits in work_mem, one scan of the parent per row beyond (quadratic: the 300k-patient build
never finished). The rules are left joins on the parents (macros/staging/rules.sql), so the plan has
no SubPlan over an EDW-sized relation at any size; that shows on a tiny EDW already, with work_mem at
its minimum. A sub-plan that reads only seeds (phm_ref: the plausible ranges and score scales of the
value rules, a few dozen rows whatever the EDW's size) stays linear in the source and is allowed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import generate_and_load
from phm.orchestrate import run_dbt
from phm.paths import project_root
from tests_support import AS_OF, RUN_VARS

BASE = Path("models/staging/phm_edw/base")
SEED_SCHEMA = "phm_ref"


def _relations(node: dict[str, Any]) -> set[str]:
    """Schema-qualified relations a plan node and its children scan."""
    found = {f"{node['Schema']}.{node['Relation Name']}"} if "Relation Name" in node else set()
    for child in node.get("Plans", []):
        found |= _relations(child)
    return found


def _sub_plans_over_the_edw(node: dict[str, Any]) -> list[set[str]]:
    """The relations of every sub-plan that reads anything but seeds."""
    found = []
    if node.get("Parent Relationship") == "SubPlan":
        relations = _relations(node)
        if any(not r.startswith(SEED_SCHEMA + ".") for r in relations):
            found.append(relations)
    for child in node.get("Plans", []):
        found += _sub_plans_over_the_edw(child)
    return found


@pytest.fixture(scope="module")
def compiled_base_models(test_db: Connection) -> dict[str, str]:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 120, seed=5, as_of=AS_OF, progress=False)
    variables = ["--vars", "{" + ", ".join(f"{k}: '{v}'" for k, v in RUN_VARS.items()) + "}"]
    seeds = run_dbt(test_db, ["seed", *variables], "seed", show_progress=False)  # staging reads the value maps
    assert seeds.ok, seeds.failures
    staging = run_dbt(test_db, ["run", "--select", "path:models/staging", *variables], "staging", show_progress=False)
    assert staging.ok, staging.failures
    compiled = project_root() / "target" / "compiled" / "medgnosis_phm" / BASE
    return {path.stem: path.read_text() for path in sorted(compiled.glob("base_phm_edw__*.sql"))}


def test_every_base_model_is_planned_without_a_sub_plan(test_db: Connection, compiled_base_models: dict[str, str]) -> None:
    sources = sorted(p.stem for p in (project_root() / BASE).glob("base_phm_edw__*.sql"))
    assert sorted(compiled_base_models) == sources and len(sources) >= 26
    with_sub_plans = {}
    with test_db.connect() as pg:
        pg.execute("set work_mem = '64kB'")
        for name, sql in compiled_base_models.items():
            plan = pg.execute("explain (format json, verbose) " + sql).fetchone()[0][0]["Plan"]  # type: ignore[index]
            if offending := _sub_plans_over_the_edw(plan):
                with_sub_plans[name] = offending
    assert not with_sub_plans, with_sub_plans


def test_orphan_rules_still_reject_orphans(test_db: Connection, compiled_base_models: dict[str, str]) -> None:
    # The generated EDW is consistent: every kept observation has its patient and encounter, and an
    # observation pointing at a patient id past the population is the only one rejected.
    with test_db.connect() as pg:
        pg.execute("set session_replication_role = replica")  # the EDW's own foreign key would refuse the orphan
        pg.execute("insert into phm_edw.observation (observation_id, patient_id, observation_code, observation_datetime, "
                   "active_ind, created_date) values (999999999, 10000, '4548-4', '2026-01-05', 'Y', '2026-01-05')")
        rejected = pg.execute(
            "select observation_id, reject_rule, reject_column from (" + compiled_base_models["base_phm_edw__observation"]
            + ") as b where reject_rule is not null").fetchall()
        pg.execute("delete from phm_edw.observation where observation_id = 999999999")
    assert rejected == [(999999999, "orphan_fk", "patient_id")]
