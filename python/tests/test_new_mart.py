"""`phm new mart`: the scaffold lands in the right folder, passes sqlfluff, and once its TODOs are
filled in with a real query it passes `phm lint` and `dbt build` against the test database.

The test writes into the repository (that is what the command does) and removes every file and
folder it created in a `finally`, whatever fails."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from phm.db import Connection
from phm.errors import PhmError
from phm.lint import lint_project
from phm.orchestrate import run_dbt
from phm.paths import project_root
from phm.scaffold import key_column, plan
from tests_support import RUN_VARS

DOMAIN = "scaffold_check"
NAME = "fact_scaffold_bundle_size"

FILLED_SQL = """\
-- fact_scaffold_bundle_size: one row per care-gap bundle with its number of measures.
with bundles as (
    select * from {{ ref('dim_care_gap_bundle') }}
),

final as (
    select
        cast(bundle_key as bigint) as scaffold_bundle_size_key,
        cast(bundle_code as text) as bundle_code,
        bundle_size
    from bundles
)

select * from final
"""


def phm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "phm", *args], capture_output=True, text=True, timeout=300,
                          env={k: v for k, v in os.environ.items() if k != "PHM_PROJECT_DIR"})


def fill_in(spec: dict) -> dict:
    """What the analyst does to the YAML: describe, name the real columns, write the unit test."""
    model = spec["models"][0]
    model["description"] = "One row per care-gap bundle (grain bundle_key) with its number of measures."
    key, todo = model["columns"]
    key["description"] = "The bundle's key in dim_care_gap_bundle."
    todo.update(name="bundle_code", description="Bundle code, e.g. DM2.")
    model["columns"].append({"name": "bundle_size", "data_type": "smallint", "description": "Measures in it."})
    test = spec["unit_tests"][0]
    test.update(name="one_row_per_bundle_with_its_size", description="Two bundles in, the same two out.")
    test["given"][0] = {"input": "ref('dim_care_gap_bundle')", "rows": [
        {"bundle_key": 1, "bundle_code": "DM2", "bundle_size": 8},
        {"bundle_key": 7, "bundle_code": "CKD", "bundle_size": 9}]}
    test["expect"]["rows"] = [
        {"scaffold_bundle_size_key": 1, "bundle_code": "DM2", "bundle_size": 8},
        {"scaffold_bundle_size_key": 7, "bundle_code": "CKD", "bundle_size": 9}]
    return spec


def test_scaffold_fill_lint_and_build(test_db: Connection) -> None:
    root = project_root()
    folder = root / "models" / "marts" / DOMAIN
    assert not folder.exists(), f"{folder} is left over from an earlier run; remove it"
    sql, yml = folder / f"{NAME}.sql", folder / f"_{NAME}.yml"
    try:
        result = phm("new", "mart", DOMAIN, NAME)
        assert result.returncode == 0, result.stderr
        assert result.stdout.splitlines()[:2] == [f"created models/marts/{DOMAIN}/{NAME}.sql",
                                                  f"created models/marts/{DOMAIN}/_{NAME}.yml"]
        assert sorted(p.name for p in folder.iterdir()) == [f"_{NAME}.yml", f"{NAME}.sql"]

        # the SQL skeleton: import CTEs, then final, lower case and sqlfluff-clean as it stands
        text = sql.read_text()
        assert text.startswith(f"-- {NAME}: one row per TODO")
        assert "with upstream as (" in text and text.rstrip().endswith("select * from final")
        fluff = subprocess.run([str(Path(sys.executable).parent / "sqlfluff"), "lint", str(sql)],
                               capture_output=True, text=True, cwd=root, timeout=300)
        assert fluff.returncode == 0, fluff.stdout

        # the YAML skeleton: enforced contract, typed and (to-be) described columns, a key test, a unit test
        spec = yaml.safe_load(yml.read_text())
        model = spec["models"][0]
        assert model["name"] == NAME and model["config"] == {"contract": {"enforced": True}}
        assert [(c["name"], c["data_type"]) for c in model["columns"]] == [
            ("scaffold_bundle_size_key", "bigint"), ("todo_column", "text")]
        assert all(c["description"].startswith("TODO") for c in model["columns"])
        assert model["columns"][0]["constraints"] == [{"type": "not_null"}, {"type": "primary_key"}]
        assert model["columns"][0]["data_tests"] == ["unique"]
        assert spec["unit_tests"][0]["model"] == NAME

        # left as scaffolded, the project does not parse: the TODO ref says what to do
        with pytest.raises(PhmError, match="TODO_upstream_model"):
            lint_project()

        sql.write_text(FILLED_SQL)
        yml.write_text(yaml.safe_dump(fill_in(spec), sort_keys=False))
        report = lint_project()
        assert [str(v) for v in report.violations] == []

        # the mart and what it reads; only the tests whose every parent is built (cautious)
        step = run_dbt(test_db, ["build", "--select", f"+{NAME}", "--indirect-selection", "cautious",
                                 "--vars", json.dumps(RUN_VARS)], "build", show_progress=False)
        assert step.ok, step.failures
        assert f"model.medgnosis_phm.{NAME}" in step.node_seconds
        assert f"unit_test.medgnosis_phm.{NAME}.one_row_per_bundle_with_its_size" in step.node_seconds
        with test_db.connect() as pg:
            schemas = [r[0] for r in pg.execute("select table_schema from information_schema.tables "
                                                "where table_name = %s", (NAME,)).fetchall()]
            assert schemas == ["phm_star_build"]  # where marts are built; a partial build publishes nothing
            rows, measures = pg.execute(f"select count(*), sum(bundle_size) from phm_star_build.{NAME}").fetchone()  # type: ignore[misc]
        with (root / "seeds" / "care_gaps" / "care_gap_bundles.csv").open(newline="") as handle:
            seed = list(csv.DictReader(handle))
        assert (rows, measures) == (len(seed), sum(int(b["bundle_size"]) for b in seed))  # 45 bundles, 354 measures
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with test_db.connect() as pg:
            for schema in ("phm_star_build", "phm_star"):
                pg.execute(f"drop table if exists {schema}.{NAME}")
    assert not folder.exists()


@pytest.mark.parametrize(("args", "message"), [
    (("core", "report_visits"), "cannot create mart: report_visits is in marts but does not start with dim_ or "
                                "fact_ or bridge_ or mv_ or v_."),
    (("core", "Fact_Visits"), "cannot create mart: Fact_Visits is not lower-case snake_case."),
    (("Core", "fact_visits"), "domain 'Core' must be lower-case snake_case, e.g. care_gaps or quality."),
    (("care_gaps", "fact_patient_bundle"),
     "a model named fact_patient_bundle already exists: models/marts/care_gaps/fact_patient_bundle.sql."),
])
def test_bad_names_are_refused_in_one_line(args: tuple[str, str], message: str) -> None:
    models = project_root() / "models"
    before = sorted(models.rglob("*"))
    result = phm("new", "mart", *args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [f"phm: error: {message}"]
    assert sorted(models.rglob("*")) == before  # nothing written


def test_key_column_and_folder() -> None:
    assert key_column("fact_care_gap") == "care_gap_key"
    assert key_column("bridge_bundle_measure") == "bundle_measure_key"
    scaffold = plan("quality", "fact_measure_rate")
    assert scaffold.sql == project_root() / "models" / "marts" / "quality" / "fact_measure_rate.sql"
    assert scaffold.yaml == project_root() / "models" / "marts" / "quality" / "_fact_measure_rate.yml"
