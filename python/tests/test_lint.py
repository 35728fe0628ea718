"""`phm lint` over a copy of the project: clean as it is, and each rule catching a bad model.

Each test writes its bad model(s) into the copy, lints (dbt re-parses only what changed), and
removes them again, so the repository itself is never touched.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from phm.lint import LintReport, lint_project, naming_problem, parse_manifest
from phm.paths import project_root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_root()
    copy = tmp_path_factory.mktemp("project")
    for name in ("dbt_project.yml", "profiles.yml", "selectors.yml"):
        shutil.copy(root / name, copy / name)
    for folder in ("models", "macros", "seeds", "snapshots", "tests", "analyses"):
        shutil.copytree(root / folder, copy / folder)
    saved = root / "target" / "partial_parse.msgpack"
    if saved.is_file():  # dbt re-parses only the files that differ from it (none, or a few)
        (copy / "target").mkdir()
        shutil.copy(saved, copy / "target" / saved.name)
    parse_manifest(copy)
    return copy


@contextmanager
def bad_models(project: Path, files: dict[str, str]) -> Iterator[LintReport]:
    """Write the files, lint the project, and remove the files whatever happens."""
    written: list[Path] = []
    try:
        for relative, text in files.items():
            path = project / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
        yield lint_project(project_dir=project)
    finally:
        for path in written:
            path.unlink(missing_ok=True)


def lines(report: LintReport) -> list[str]:
    return [str(v) for v in report.violations]


def described(name: str, *columns: str, extra: str = "") -> str:
    cols = "".join(f"      - name: {c}\n        description: The {c}.\n" for c in columns)
    return f"models:\n  - name: {name}\n    description: A model for the test.\n{extra}    columns:\n{cols}"


def mart_yaml(name: str, key: str, contract: bool = True, key_test: str | None = "unique",
              materialized: str | None = None) -> str:
    settings = ("      contract: {enforced: true}\n" if contract else "") + (
        f"      materialized: {materialized}\n" if materialized else "")
    config = f"    config:\n{settings}" if settings else ""
    tests = f"        data_tests: [{key_test}]\n" if key_test else ""
    return (f"models:\n  - name: {name}\n    description: A mart for the test.\n{config}    columns:\n"
            f"      - name: {key}\n        data_type: integer\n        description: The key.\n{tests}")


def test_the_project_is_clean_and_fully_described(project: Path) -> None:
    report = lint_project(parse=False, project_dir=project)
    assert lines(report) == []
    assert report.models == len(list((project / "models").rglob("*.sql")))
    assert report.coverage.nodes == report.coverage.nodes_documented
    assert report.coverage.columns == report.coverage.columns_documented > 1500


def test_a_model_outside_staging_reading_a_source(project: Path) -> None:
    files = {
        "models/intermediate/patients/int_patients__raw_names.sql":
            "select patient_id from {{ source('phm_edw', 'patient') }}\n",
        "models/intermediate/patients/_int_patients__raw_names.yml": described("int_patients__raw_names", "patient_id"),
    }
    with bad_models(project, files) as report:
        assert lines(report) == [
            "models/intermediate/patients/int_patients__raw_names.sql: source-outside-staging: "
            "int_patients__raw_names reads source phm_edw.patient; ref() its staging model instead"]


def test_a_stg_model_reading_another_stg_model(project: Path) -> None:
    files = {
        "models/staging/phm_edw/stg_phm_edw__patient_names.sql":
            "select patient_id from {{ ref('stg_phm_edw__patient') }}\n",
        "models/staging/phm_edw/_stg_phm_edw__patient_names.yml":
            described("stg_phm_edw__patient_names", "patient_id"),
        # the sanctioned pattern beside it: a base_ table reading a parent's stg_ view, read by its stg_ view
        "models/staging/phm_edw/base/base_phm_edw__patient_names.sql":
            "select patient_id from {{ source('phm_edw', 'patient') }}\n"
            "where patient_id in (select patient_id from {{ ref('stg_phm_edw__patient') }})\n",
        "models/staging/phm_edw/base/_base_phm_edw__patient_names.yml":
            described("base_phm_edw__patient_names", "patient_id"),
        "models/staging/phm_edw/stg_phm_edw__patient_names_kept.sql":
            "select patient_id from {{ ref('base_phm_edw__patient_names') }}\n",
        "models/staging/phm_edw/_stg_phm_edw__patient_names_kept.yml":
            described("stg_phm_edw__patient_names_kept", "patient_id"),
    }
    with bad_models(project, files) as report:
        assert lines(report) == [
            "models/staging/phm_edw/stg_phm_edw__patient_names.sql: staging-reads-staging: "
            "stg_phm_edw__patient_names reads stg_phm_edw__patient; a stg_ model reads its base_ table or a "
            "source, joins belong in an int_ model"]


def test_names_breaking_the_conventions_fail_the_cli_one_line_each(project: Path) -> None:
    files = {
        "models/marts/core/patient_report.sql": "select 1 as patient_report_key\n",
        "models/marts/core/_patient_report.yml": mart_yaml("patient_report", "patient_report_key"),
        "models/intermediate/patients/patient_flags.sql": "select 1 as patient_id\n",
        "models/intermediate/patients/_patient_flags.yml": described("patient_flags", "patient_id"),
        "models/staging/phm_edw/raw_patient.sql": "select patient_id from {{ source('phm_edw', 'patient') }}\n",
        "models/staging/phm_edw/_raw_patient.yml": described("raw_patient", "patient_id"),
        "models/scratch/int_scratch__try.sql": "select 1 as one\n",
        "models/scratch/_int_scratch__try.yml": described("int_scratch__try", "one"),
    }
    with bad_models(project, files):
        models = len(list((project / "models").rglob("*.sql")))
        result = subprocess.run([sys.executable, "-m", "phm", "lint", "--no-parse"], capture_output=True, text=True,
                                env={**os.environ, "PHM_PROJECT_DIR": str(project)}, timeout=300)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "models/intermediate/patients/patient_flags.sql: naming: "
        "patient_flags is in intermediate but does not start with int_",
        "models/marts/core/patient_report.sql: naming: "
        "patient_report is in marts but does not start with dim_ or fact_ or bridge_ or mv_ or v_",
        "models/scratch/int_scratch__try.sql: naming: "
        "int_scratch__try is outside models/staging, models/intermediate and models/marts",
        "models/staging/phm_edw/raw_patient.sql: naming: "
        "raw_patient is in staging but does not start with base_ or stg_",
        result.stderr.splitlines()[4],  # the coverage line
        f"phm: error: 4 lint violation(s) in {models} models",
    ]
    assert result.stderr.splitlines()[4].startswith("descriptions: 100.0% of nodes")


@pytest.mark.parametrize(("layer", "name", "problem"), [
    ("marts", "fact_Visits", "fact_Visits is not lower-case snake_case"),
    ("marts", "dim_", "dim_ has no name after its prefix"),
    ("intermediate", "int_care_gaps__units", None),
    ("staging", "base_phm_edw__patient", None),
    ("marts", "mv_care_gap_worklist", None),
])
def test_naming_rule(layer: str, name: str, problem: str | None) -> None:
    assert naming_problem(layer, name) == problem


def test_a_mart_without_a_grain_test(project: Path) -> None:
    files = {
        "models/marts/core/dim_shift.sql": "select 1 as shift_key\n",
        # not_null is a test, but it does not prove the grain
        "models/marts/core/_dim_shift.yml": mart_yaml("dim_shift", "shift_key", key_test="not_null"),
        "models/marts/core/dim_shift_type.sql": "select 1 as shift_type_key\n",
        "models/marts/core/_dim_shift_type.yml": mart_yaml("dim_shift_type", "shift_type_key", key_test=None)
        + "        constraints:\n          - type: primary_key\n",
    }
    with bad_models(project, files) as report:
        assert lines(report) == [
            "models/marts/core/_dim_shift.yml: mart-without-unique-test: dim_shift has no unique or "
            "unique_combination test and no primary_key constraint: its grain is untested"]


def test_a_mart_without_an_enforced_contract(project: Path) -> None:
    files = {
        "models/marts/core/dim_shift.sql": "select 1 as shift_key\n",
        "models/marts/core/_dim_shift.yml": mart_yaml("dim_shift", "shift_key", contract=False),
        # dbt cannot enforce a contract on a materialized view: exempt, its grain test is still required
        "models/marts/dashboards/mv_shift_board.sql": "select 1 as shift_board_key\n",
        "models/marts/dashboards/_mv_shift_board.yml": mart_yaml("mv_shift_board", "shift_board_key", contract=False,
                                                                 materialized="materialized_view"),
    }
    with bad_models(project, files) as report:
        assert lines(report) == [
            "models/marts/core/_dim_shift.yml: mart-without-contract: dim_shift does not set contract: "
            "{enforced: true}"]


def test_missing_and_todo_descriptions(project: Path) -> None:
    files = {
        "models/intermediate/patients/int_patients__undocumented.sql": "select 1 as patient_id\n",
        "models/intermediate/patients/int_patients__half_documented.sql": "select 1 as patient_id, 2 as visits\n",
        "models/intermediate/patients/_int_patients__half_documented.yml":
            "models:\n  - name: int_patients__half_documented\n    description: \"TODO: say what it is\"\n"
            "    columns:\n      - name: patient_id\n        description: EDW patient id.\n      - name: visits\n",
    }
    with bad_models(project, files) as report:
        assert lines(report) == [
            "models/intermediate/patients/_int_patients__half_documented.yml: missing-description: "
            "column int_patients__half_documented.visits has no description",
            "models/intermediate/patients/_int_patients__half_documented.yml: missing-description: "
            "model int_patients__half_documented has only a TODO description",
            "models/intermediate/patients/int_patients__undocumented.sql: missing-description: "
            "model int_patients__undocumented declares no columns",
            "models/intermediate/patients/int_patients__undocumented.sql: missing-description: "
            "model int_patients__undocumented has no description",
        ]
        assert report.coverage.by_type["model"] == [report.models - 2, report.models]
