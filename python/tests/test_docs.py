"""Docs, selectors and slim CI against a copy of the session's built warehouse (conftest.star).

That build is what `dbt docs generate` reads the columns of relations from, and its manifest is
what slim CI defers to as "production".
"""

from __future__ import annotations

import copy
import json
import shutil
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest

from phm.db import Connection
from phm.errors import PhmError
from phm.lint import Coverage, check_descriptions, lint
from phm.orchestrate import _environ, dbt_environment, nightly, run_dbt, slim_ci
from phm.paths import project_root
from tests_support import RUN_VARS

EXPOSURES = {"patient_dashboard", "provider_bundle_scorecard", "population_overview", "care_gap_worklist",
             "abigail_ai_physician_assistant", "cost_performance_insights"}


@pytest.fixture(scope="module")
def built(copy_star: Callable[[], Connection], tmp_path_factory: pytest.TempPathFactory) -> tuple[Connection, Path]:
    """A copy of the session's built warehouse, and a folder holding the manifest of the project parsed
    against it (production state: its relations name this database)."""
    conn = copy_star()
    step = run_dbt(conn, ["parse", "--vars", json.dumps(RUN_VARS)], "parse", show_progress=False)
    assert step.ok, step.failures
    state = tmp_path_factory.mktemp("prod_state")
    shutil.copy(project_root() / "target" / "manifest.json", state / "manifest.json")
    return conn, state


def model_files() -> set[str]:
    return {p.stem for p in (project_root() / "models").rglob("*.sql")}


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read()


@pytest.fixture(scope="module")
def served(built: tuple[Connection, Path]) -> dict[str, Any]:
    """`phm docs --port N` in a subprocess; what it serves, fetched over HTTP."""
    conn, _ = built
    env = {k: v for k, v in os.environ.items() if k != "PGHOST"}
    env["PHM_DATABASE_URL"] = conn.url()  # the module's database, not the demo one
    proc = subprocess.Popen([sys.executable, "-m", "phm", "docs", "--port", "0"], env=env,  # any free port
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = _wait_for_server(proc, timeout=300)
        return {"url": url,
                "manifest": json.loads(_get(f"{url}/manifest.json")),
                "catalog": json.loads(_get(f"{url}/catalog.json")),
                "index": _get(f"{url}/index.html")[:5000].decode(errors="replace"),
                "static": _get(f"{url}/static_index.html").decode(errors="replace")}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _wait_for_server(proc: subprocess.Popen[str], timeout: float) -> str:
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith("serving the docs at "):
            return line.split()[4]
        if not line and proc.poll() is not None:
            raise AssertionError(f"phm docs exited {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
    raise AssertionError("phm docs did not start serving in time")


# --------------------------------------------------------------------------- docs


def test_phm_docs_serves_every_model_and_the_exposures(served: dict[str, Any]) -> None:
    assert served["url"].startswith("http://127.0.0.1:")
    assert "<html" in served["index"].lower()
    manifest = served["manifest"]
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    assert models == model_files()
    assert {e["name"] for e in manifest["exposures"].values()} == EXPOSURES
    worklist = manifest["exposures"]["exposure.medgnosis_phm.care_gap_worklist"]
    assert worklist["type"] == "dashboard"
    assert worklist["depends_on"]["nodes"] == ["model.medgnosis_phm.mv_care_gap_worklist"]
    abigail = manifest["exposures"]["exposure.medgnosis_phm.abigail_ai_physician_assistant"]
    assert abigail["type"] == "application"
    # the lineage runs from the EDW to every screen: each exposure has phm_edw tables among its ancestors
    parents = manifest["parent_map"]
    for uid in manifest["exposures"]:
        seen, todo = set(), [uid]
        while todo:
            for parent in parents.get(todo.pop(), []):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        assert any(node.startswith("source.medgnosis_phm.phm_edw.") for node in seen), uid
    assert manifest["metadata"]["send_anonymous_usage_stats"] is False  # the page calls no tracker


def test_static_page_is_one_self_contained_file(served: dict[str, Any]) -> None:
    html = served["static"]
    assert "exposure.medgnosis_phm.abigail_ai_physician_assistant" in html  # manifest inlined
    assert "model.medgnosis_phm.fact_patient_bundle_detail" in html
    for external in ('<script src="http', "<script src='http", 'stylesheet" href="http'):
        assert external not in html


def test_every_node_and_built_column_is_described(served: dict[str, Any]) -> None:
    manifest, catalog = served["manifest"], served["catalog"]
    assert "model.medgnosis_phm.fact_care_gap" in catalog["nodes"]
    assert "source.medgnosis_phm.phm_edw.patient" in catalog["sources"]
    report = lint(manifest, catalog)
    assert report.violations == []
    coverage = report.coverage
    assert coverage.nodes == coverage.nodes_documented
    assert coverage.by_type["exposure"] == [6, 6]
    assert coverage.by_type["model"] == [len(model_files())] * 2
    assert coverage.columns == coverage.columns_documented > 1500

    # the same check catches a built column the YAML leaves out, and a TODO description
    manifest = copy.deepcopy(manifest)
    attribution = manifest["nodes"]["model.medgnosis_phm.int_patients__attribution"]
    del attribution["columns"]["provider_id"]
    gaps = manifest["nodes"]["model.medgnosis_phm.fact_care_gap"]
    gaps["columns"]["date_key_resolved"]["description"] = "TODO: describe"
    found = sorted(str(v) for v in check_descriptions(manifest, catalog, Coverage()))
    assert found == [
        "models/intermediate/patients/_patients__models.yml: missing-description: "
        "column int_patients__attribution.provider_id is not in its YAML",
        "models/marts/care_gaps/_care_gaps__models.yml: missing-description: "
        "column fact_care_gap.date_key_resolved has only a TODO description",
    ]


def test_clinical_rules_are_doc_blocks_on_the_columns(served: dict[str, Any]) -> None:
    nodes = served["manifest"]["nodes"]
    detail = nodes["model.medgnosis_phm.fact_patient_bundle_detail"]["columns"]
    bundle = nodes["model.medgnosis_phm.fact_patient_bundle"]["columns"]
    assert detail["is_overdue"]["description"].startswith("**Overdue** (defined here once")
    assert "**Gap status.**" in detail["gap_status"]["description"]
    assert "**Cross-bundle de-duplication" in detail["dedup_applied"]["description"]
    assert "**Frequency window.**" in detail["applied_frequency_days"]["description"]
    assert "**Target.**" in detail["applied_target_high"]["description"]
    assert "**Bundle qualification.**" in bundle["date_key_assigned"]["description"]
    assert bundle["risk_tier"]["description"].startswith("Risk tier of the patient's bundle")


# --------------------------------------------------------------------------- selectors


@pytest.fixture(scope="module")
def ls(built: tuple[Connection, Path]) -> Any:
    """`dbt ls` over one parse of the project."""
    from dbt.cli.main import dbtRunner

    conn, _ = built
    root = str(project_root())
    flags = ["--project-dir", root, "--profiles-dir", root]
    with _environ(dbt_environment(conn)):
        parsed = dbtRunner().invoke(["--log-level", "none", "parse", *flags])
    assert parsed.success, parsed.exception
    runner = dbtRunner(manifest=parsed.result)

    def run(*args: str, resource_type: str = "all") -> list[str]:
        with _environ(dbt_environment(conn)):
            result = runner.invoke(["--log-level", "none", "ls", "--resource-type", resource_type, *flags, *args])
        assert result.success, result.exception
        return sorted(result.result)

    return run


def test_nightly_selector_is_what_a_plain_build_selects(ls: Any) -> None:
    nightly_nodes = ls("--selector", "nightly")
    assert nightly_nodes == ls()
    assert "medgnosis_phm.marts.care_gaps.fact_care_gap" in nightly_nodes
    assert "source:medgnosis_phm.phm_edw.patient" in nightly_nodes
    unit_tests = ls("--selector", "nightly", "--output", "name", resource_type="unit_test")
    assert {"condition_matches_bundle_codes_not_names", "dedup_owner_is_first_bundle_and_strictest_target_wins"} \
        <= set(unit_tests)
    assert unit_tests == ls("--output", "name", resource_type="unit_test")


def test_bundles_and_staging_selectors(ls: Any) -> None:
    bundles = set(ls("--selector", "bundles", "--output", "name"))
    assert {"care_gap_bundles", "measures", "int_care_gaps__qualified", "int_keys__bundle", "fact_patient_bundle",
            "fact_patient_bundle_detail", "dim_measure", "bridge_bundle_measure", "mv_care_gap_worklist",
            "care_gap_worklist"} <= bundles  # the last one is the worklist screen (an exposure)
    assert not {"stg_phm_edw__patient", "fact_encounter", "dim_patient", "risk_models"} & bundles
    staging = set(ls("--selector", "staging", "--output", "name", resource_type="model"))
    assert staging == {p.stem for p in (project_root() / "models" / "staging").rglob("*.sql")}


def test_dashboards_selector_and_a_selection_matching_nothing(ls: Any) -> None:
    dashboards = set(ls("--selector", "dashboards", "--output", "name", resource_type="model"))
    assert dashboards == {p.stem for p in (project_root() / "models" / "marts" / "dashboards").glob("*.sql")}
    assert {"mv_patient_dashboard", "mv_care_gap_worklist"} <= dashboards
    # a selector part that matches nothing (a folder or tag not there yet) is not an error
    assert ls("--select", "path:models/marts/nothing_here tag:no_such_tag") == []


def test_run_refuses_an_unknown_selector_and_select_with_selector(built: tuple[Connection, Path]) -> None:
    conn, _ = built
    with pytest.raises(PhmError, match="unknown selector 'nighty'; selectors.yml defines: bundles, dashboards, "
                                       "nightly, staging"):
        nightly(conn, selector="nighty")
    with pytest.raises(PhmError, match="use --select or --selector, not both"):
        nightly(conn, select="staging", selector="staging")


# --------------------------------------------------------------------------- slim CI


def test_slim_ci_builds_the_modified_model_and_its_children_only(built: tuple[Connection, Path],
                                                                  tmp_path: Path) -> None:
    """Production runs another version of dim_measure: CI builds it and its children into ci_ schemas,
    reads every other parent from production's published star, and publishes nothing. Its children
    are the two models that read it and, through their foreign keys to it (the spec's keys in the
    contracts), fact_patient_bundle_detail and what is built on that: the composite, provider
    quality, the population snapshot and the views over them."""
    children = {"dim_measure", "bridge_bundle_measure", "mv_care_gap_worklist", "fact_patient_bundle_detail",
                "fact_patient_composite", "fact_provider_quality", "fact_population_snapshot",
                "mv_patient_dashboard", "mv_population_overview"}
    conn, prod_state = built
    manifest = json.loads((prod_state / "manifest.json").read_text())
    manifest["nodes"]["model.medgnosis_phm.dim_measure"]["raw_code"] += "\n-- the older version\n"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    with conn.connect() as pg:
        publishes = pg.execute("select count(*) from phm_audit.publish_log").fetchone()
    try:
        report = slim_ci(conn, tmp_path, schema_prefix="ci_", show_progress=False, extra_vars=RUN_VARS)
        assert report.ok, [f for s in report.steps for f in s.failures]
        built_models = {uid for step in report.steps for uid in step.node_seconds if uid.startswith("model.")}
        assert built_models == {f"model.medgnosis_phm.{name}" for name in children}
        assert report.steps[0].counts["pass"] >= 5  # their tests, and the tests of the models reading them
        with conn.connect() as pg:
            ci_relations = {r[0] for r in pg.execute(
                "select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace "
                "where n.nspname like 'ci\\_%' and c.relkind in ('r', 'v', 'm')").fetchall()}
            assert pg.execute("select count(*) from phm_audit.publish_log").fetchone() == publishes
        assert ci_relations == {f"ci_phm_star_build.{name}" for name in children}
        worklist = next((project_root() / "target" / "ci" / "run").rglob("mv_care_gap_worklist.sql")).read_text()
        assert '"ci_phm_star_build"."dim_measure"' in worklist  # the modified model, built here
        assert '"phm_star"."dim_patient"' in worklist  # unmodified: production's published table
    finally:
        with conn.connect() as pg:
            for (schema,) in pg.execute("select nspname from pg_namespace where nspname like 'ci\\_%'").fetchall():
                pg.execute(f'drop schema "{schema}" cascade')


def test_slim_ci_refuses_a_folder_without_a_manifest(built: tuple[Connection, Path], tmp_path: Path) -> None:
    conn, _ = built
    with pytest.raises(PhmError, match="no manifest.json in"):
        slim_ci(conn, tmp_path)
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(PhmError, match="must be lower-case"):
        slim_ci(conn, tmp_path, schema_prefix="CI")
