"""The Abigail analyses (analyses/abigail/*.sql): compile one with dbt, run it on the published star, print it."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass
from typing import Any

from phm.db import Connection
from phm.errors import PhmError


@dataclass(frozen=True)
class Analysis:
    name: str  # the dbt analysis (file name)
    needs: tuple[str, ...]  # vars that must be given
    question: str


ANALYSES: dict[str, Analysis] = {a.name.replace("_", "-"): a for a in (
    Analysis("open_gaps", ("patient_id",), "What are this patient's open care gaps across all bundles?"),
    Analysis("risk_trajectory", ("patient_id",), "What is this patient's risk trajectory?"),
    Analysis("pre_visit_summary", ("patient_id",), "Generate a pre-visit summary."),
    Analysis("why_high_risk", ("patient_id",), "Why is this patient high risk?"),
    Analysis("top_critical_patients", (), "Which patients have the most open care gaps and highest risk?"),
    Analysis("provider_bundle_performance", ("provider_id",), "How is provider X performing on a bundle?"),
    Analysis("bundle_trend", (), "Population trend for a bundle's compliance (COPD by default)."),
)}


def resolve(name: str, variables: dict[str, Any]) -> Analysis:
    analysis = ANALYSES.get(name.replace("_", "-"))
    if analysis is None:
        raise PhmError(f"unknown analysis {name!r}; choose one of: {', '.join(sorted(ANALYSES))}")
    missing = [v for v in analysis.needs if variables.get(v) in (None, "")]
    if missing:
        flags = ", ".join("--" + v.removesuffix("_id") for v in missing)
        raise PhmError(f"analysis {name!r} needs {flags}")
    return analysis


def placeholders(variables: dict[str, Any]) -> dict[str, str]:
    """dbt vars that render each given parameter as a driver placeholder (see macro analysis_param)."""
    return {k: f"%({k})s" for k, v in sorted(variables.items()) if v not in (None, "")}


def params(variables: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in variables.items() if v not in (None, "")}


def _compile(conn: Connection, selection: str, variables: dict[str, Any]) -> dict[str, str]:
    """Compile the selected analyses in-process with dbt, with placeholders for the given parameters."""
    from dbt.cli.main import dbtRunner

    from phm.orchestrate import _environ, _yaml_vars, dbt_environment
    from phm.paths import project_root

    given = placeholders(variables)
    args = ["--quiet", "compile", "--select", selection, "--project-dir", str(project_root()),
            "--profiles-dir", str(project_root())]
    if given:
        args += ["--vars", _yaml_vars(given)]
    with _environ(dbt_environment(conn)), contextlib.redirect_stdout(io.StringIO()):  # compile prints the SQL
        result = dbtRunner().invoke(args)
    if not result.success or not result.result or not result.result.results:
        raise PhmError(f"could not compile {selection}: {' '.join(str(result.exception or '').split())}")
    return {r.node.name: str(r.node.compiled_code) for r in result.result.results}


def compile_sql(conn: Connection, analysis: Analysis, variables: dict[str, Any]) -> str:
    """One analysis's SQL, with placeholders for the given parameters."""
    return _compile(conn, analysis.name, variables)[analysis.name]


def run(conn: Connection, sql: str, variables: dict[str, Any]) -> tuple[list[str], list[tuple[Any, ...]], float]:
    with conn.connect() as pg:
        exists = pg.execute("select to_regclass('phm_star.fact_patient_composite') is not null").fetchone()
        if not exists or not exists[0]:
            raise PhmError("nothing is published in phm_star yet: run `phm run` first")
        started = time.perf_counter()
        cursor = pg.execute(sql, params(variables))  # type: ignore[arg-type]
        rows = cursor.fetchall()
        seconds = time.perf_counter() - started
        columns = [c.name for c in cursor.description or []]
    return columns, rows, seconds


# The published dimension each parameter must name a row of: (table, column, what to call it).
KNOWN: dict[str, tuple[str, str, str]] = {
    "patient_id": ("dim_patient", "patient_id", "patient"),
    "provider_id": ("dim_provider", "provider_id", "provider"),
    "bundle_code": ("dim_care_gap_bundle", "bundle_code", "bundle"),
}


def require_known(conn: Connection, variables: dict[str, Any]) -> None:
    """An unknown patient, provider or bundle is an error ("not found"), not an empty table."""
    with conn.connect() as pg:
        exists = pg.execute("select to_regclass('phm_star.fact_patient_composite') is not null").fetchone()
        if not exists or not exists[0]:
            raise PhmError("nothing is published in phm_star yet: run `phm run` first")
        for name, value in params(variables).items():
            if name not in KNOWN:
                continue
            table, column, label = KNOWN[name]
            found = pg.execute(f"select exists (select 1 from phm_star.{table} where {column} = %s)",  # noqa: S608
                               (value,)).fetchone()
            if not found or not found[0]:
                raise PhmError(f"{label} {value} not found in the published star (phm_star.{table}.{column}).")


def compile_all(conn: Connection, variables: dict[str, Any]) -> dict[str, str]:
    """Every Abigail analysis compiled in one dbt invocation, with placeholders for `variables`."""
    return _compile(conn, "path:analyses/abigail", variables)
