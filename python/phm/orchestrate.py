"""The nightly job: dbt seed, snapshot and build, run in-process with dbt's programmatic runner."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterator

from rich.console import Console
from rich.table import Table

from phm.db import Connection
from phm.errors import PhmError
from phm.paths import project_root

# Wide enough for the summary tables when output goes to a file or CI log (rich assumes 80).
console = Console(width=None if sys.stdout.isatty() else 120)


@dataclass
class StepResult:
    name: str
    seconds: float
    ok: bool
    counts: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    node_seconds: dict[str, float] = field(default_factory=dict)
    started: float = 0.0  # epoch seconds
    rows_affected: dict[str, int] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    models_built: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    conn: Connection
    steps: list[StepResult] = field(default_factory=list)
    run_id: int | None = None
    up_to_date: bool = False  # nothing changed since the last published build: nothing was rebuilt
    published: bool = False
    title: str = "nightly build"
    nightly_job: bool = True  # False for slim CI: no publish line, no layer summary

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def print(self) -> None:
        if self.up_to_date:
            console.print("[green]up to date:[/] the EDW, the project and the run date are as at the last published "
                          "build, so nothing was rebuilt (phm run --force rebuilds anyway)")
        table = Table(title=self.title, show_lines=False)
        for col in ("step", "seconds", "result"):
            table.add_column(col)
        for step in self.steps:
            counts = ", ".join(f"{k} {v}" for k, v in sorted(step.counts.items()))
            table.add_row(step.name, f"{step.seconds:.1f}", ("[green]ok[/] " if step.ok else "[red]FAILED[/] ") + counts)
        console.print(table)
        for step in self.steps:
            for warning in step.warnings[:20]:
                console.print(f"[yellow]{step.name}:[/] {warning}")
            for failure in step.failures[:20]:
                console.print(f"[red]{step.name}:[/] {failure}")
        if not self.nightly_job:
            return
        if self.steps and not self.up_to_date:
            console.print(f"publish: {'phm_star now holds this build' if self.published else 'nothing published; phm_star still holds the last good build'}"
                          + (f" (audit run {self.run_id})" if self.run_id else ""))
        print_summary(self.conn)


def dbt_environment(conn: Connection) -> dict[str, str]:
    root = project_root()
    env = conn.dbt_env()
    env.update({
        "DBT_PROFILES_DIR": str(root),
        "DBT_PROJECT_DIR": str(root),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
        "DBT_LOG_PATH": str(root / "logs"),
        "DBT_TARGET_PATH": str(root / "target"),
    })
    return env


@contextmanager
def _environ(values: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(conn: Connection, args: list[str], label: str, quiet: bool = True, show_progress: bool = True,
            env: dict[str, str] | None = None) -> StepResult:
    """Run one dbt command in-process; count node results; never raise for test failures. `env` adds
    environment variables for this invocation only (settings that must not change dbt's vars)."""
    from dbt.cli.main import dbtRunner
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    finished = {"n": 0}
    warnings: list[str] = []
    progress = Progress(TextColumn(f"[bold]{label}[/] {{task.description}}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), transient=True, disable=not show_progress, console=console)
    task = progress.add_task("", total=None)

    def on_event(event: Any) -> None:
        name = event.info.name
        if name == "NodeStart":
            progress.update(task, description=event.data.node_info.node_name)
        elif name == "NodeFinished":
            finished["n"] += 1
            progress.update(task, completed=finished["n"])
        elif name == "FoundStats":
            pass
        if event.info.level == "warn":
            warnings.append(" ".join(str(event.info.msg).split())[:300])

    full = [*args, "--project-dir", str(project_root()), "--profiles-dir", str(project_root())]
    if quiet:
        full.insert(0, "--quiet")
    started = time.time()
    start = time.perf_counter()
    with _environ({**dbt_environment(conn), **(env or {})}), progress:
        result = dbtRunner(callbacks=[on_event]).invoke(full)
    seconds = time.perf_counter() - start
    counts: dict[str, int] = {}
    failures: list[str] = []
    node_seconds: dict[str, float] = {}
    rows_affected: dict[str, int] = {}
    models_built: list[str] = []
    if result.exception is not None:
        return StepResult(label, seconds, False, failures=[" ".join(str(result.exception).split())], started=started,
                          warnings=warnings)
    for node in getattr(result.result, "results", None) or []:
        if node.node.resource_type == "operation":
            continue  # on-run-start hooks are not models or tests
        status = str(node.status)
        if status == "no-op":  # exposures: selected with their models, nothing to run
            continue
        counts[status] = counts.get(status, 0) + 1
        node_seconds[node.node.unique_id] = float(node.execution_time or 0.0)
        affected = (node.adapter_response or {}).get("rows_affected")
        if node.node.resource_type == "model" and isinstance(affected, int) and affected >= 0:
            rows_affected[node.node.name] = affected
        if node.node.resource_type == "model" and status == "success":
            models_built.append(node.node.name)
        if status in ("error", "fail", "runtime error"):
            message = " ".join(str(node.message or "").split())[:300]
            failures.append(f"{node.node.name}: {message}")
    return StepResult(label, seconds, bool(result.success), counts, failures, node_seconds, started, rows_affected,
                      warnings=warnings, models_built=models_built)


def selector_names() -> list[str]:
    """The selectors defined in selectors.yml."""
    import yaml

    path = project_root() / "selectors.yml"
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text()) or {}
    return sorted(str(s["name"]) for s in data.get("selectors", []))


def nightly(conn: Connection, full_refresh: bool = False, select: str | None = None, quiet: bool = True,
            show_progress: bool = True, extra_vars: dict[str, str] | None = None, force: bool = False,
            selector: str | None = None) -> RunReport:
    """The nightly job, one at a time per database (python/phm/runguard.py): a selection matching nothing
    fails first; a run left `running` by a killed one is marked abandoned and its sessions ended."""
    from phm import runguard

    if select:
        runguard.check_selection(conn, select)
    with runguard.exclusive(conn):
        return _nightly(conn, full_refresh, select, quiet, show_progress, extra_vars, force, selector)


def _nightly(conn: Connection, full_refresh: bool = False, select: str | None = None, quiet: bool = True,
             show_progress: bool = True, extra_vars: dict[str, str] | None = None, force: bool = False,
             selector: str | None = None) -> RunReport:
    """seed, then build. Stops at the first failing step.

    `dbt build` runs seeds, snapshots, models and their tests in dependency order: the patient
    snapshot reads the staging model, so it must run after staging and before the dimensions,
    which a separate `dbt snapshot` before the build could not do on a first run. Seeds also run
    first on their own so that a broken seed file stops the run before anything is rebuilt.

    The build step selects with `--selector nightly` (selectors.yml: every node), another named
    selector, or a `--select` expression. Only a whole build is published (macros/publish/).

    A whole build runs in two dbt invocations around the risk scoring: everything but the risk
    dimension and what reads the scores, then `phm score`, then `dim_risk_model+`. The second
    invocation publishes, given the marts the first one built (PHM_STAR_PREBUILT); a failure
    anywhere stops the chain before anything is published.
    """
    from phm import audit

    if select and selector:
        raise PhmError("use --select or --selector, not both.")
    if selector and selector not in selector_names():
        raise PhmError(f"unknown selector '{selector}'; selectors.yml defines: {', '.join(selector_names())}.")
    partial = bool(select) or selector not in (None, "nightly")
    report = RunReport(conn)
    variables = dict(extra_vars or {})
    var_args = ["--vars", _yaml_vars(variables)] if variables else []
    audit.ensure(conn)
    run_date = _run_date(conn, variables)
    fingerprint = audit.fingerprint(conn, run_date, variables)
    if not (full_refresh or partial or force) and fingerprint == audit.last_published_fingerprint(conn):
        report.up_to_date = True
        report.run_id = audit.start_run(conn, run_date, "phm run", fingerprint)
        audit.finish_run(conn, report.run_id, "up to date", False, None, _reject_totals(conn))
        return report
    command = "phm run" + (" --full-refresh" if full_refresh else "") + (f" --select {select}" if select else "") \
        + (f" --selector {selector}" if selector else "")
    selection = ["--select", select] if select else ["--selector", selector or "nightly"]
    report.run_id = audit.start_run(conn, run_date, command, fingerprint)
    publishes_before = audit.publish_count(conn)
    refresh = ["--full-refresh"] if full_refresh else []

    def step(label: str, args: list[str], env: dict[str, str] | None = None) -> StepResult:
        result = run_dbt(conn, args, label, quiet=quiet, show_progress=show_progress, env=env)
        return record(result)

    def record(result: StepResult) -> StepResult:
        report.steps.append(result)
        assert report.run_id is not None
        audit.record_step(conn, report.run_id, len(report.steps), result)
        return result

    # seeds are small reference tables: always reloaded whole, so a changed column never breaks the run
    if step("seed", ["seed", "--full-refresh", *var_args]).ok:
        if partial:
            step("build (partial: written to the build schema, not published)",
                 ["build", *refresh, *selection, *var_args])
        else:
            # the same --vars in every invocation (one parse per nightly); the per-step settings go by environment
            upstream = step("build up to the risk features",
                            ["build", *refresh, "--exclude", RISK_DOWNSTREAM, *var_args],
                            env={"PHM_STAR_PUBLISH": "false", "PHM_STAR_PREBUILT": ""})
            if upstream.ok:
                scoring = record(score_step(conn))
                if scoring.ok:
                    prebuilt = ",".join(sorted(upstream.models_built))
                    step("risk scores, dashboards, audit and publish",
                         ["build", *refresh, "--select", RISK_DOWNSTREAM, *var_args],
                         env={"PHM_STAR_PUBLISH": "", "PHM_STAR_PREBUILT": prebuilt})
    report.published = audit.publish_count(conn) > publishes_before
    failures = [f for step in report.steps for f in step.failures]
    audit.finish_run(conn, report.run_id, "success" if report.ok else "failed", report.published,
                     "\n".join(failures)[:10_000] or None, _reject_totals(conn))
    return report


def _run_date(conn: Connection, variables: dict[str, str]) -> date:
    if variables.get("run_date"):
        return date.fromisoformat(variables["run_date"])
    with conn.connect() as pg:
        row = pg.execute("select current_date").fetchone()
    assert row is not None
    return row[0]  # type: ignore[no-any-return]


def _reject_totals(conn: Connection) -> tuple[int, int, int] | None:
    rows = reject_summary(conn)
    if not rows:
        return None
    return sum(r[1] for r in rows), sum(r[2] for r in rows), sum(r[3] for r in rows)


def _project_var(name: str) -> str | None:
    import yaml

    data = yaml.safe_load((project_root() / "dbt_project.yml").read_text()) or {}
    value = (data.get("vars") or {}).get(name)
    return str(value) if value else None


def published_state(state: Path, out: Path) -> Path:
    """A copy of the production manifest whose marts point at the published schema.

    Production writes and tests the marts in `star_build_schema` and then swaps it with
    `star_publish_schema` (macros/publish/): after the swap the build schema holds the previous
    build (after the very first publish, only the incremental tables). An unchanged mart must be
    read from the published table, so its relation is renamed; code and config, which
    `state:modified` compares, are left as they are.
    """
    manifest = json.loads((state / "manifest.json").read_text())
    build, publish = _project_var("star_build_schema"), _project_var("star_publish_schema")
    if build and publish:
        for node in manifest.get("nodes", {}).values():
            if node.get("schema") == build:
                node["schema"] = publish
                if node.get("relation_name"):
                    node["relation_name"] = node["relation_name"].replace(f'"{build}"', f'"{publish}"')
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps(manifest))
    return out


def slim_ci(conn: Connection, state: Path, schema_prefix: str = "ci_", quiet: bool = True,
            show_progress: bool = True, extra_vars: dict[str, str] | None = None) -> RunReport:
    """Build what a change touches: `state:modified+`, deferring everything else to production.

    `state` holds the manifest.json of the production (nightly) build. Modified nodes and their
    children are built, with their tests, into schemas named `<schema_prefix><schema>`
    (ci_phm_stg, ci_phm_star_build, ...), so a pull request never writes to production; every other
    ref() resolves to the production relation (`--defer`), the published one for marts. The
    publish hook works on the prefixed schemas too, so CI can never swap production's star. It
    writes its artefacts to target/ci.
    """
    if not (state / "manifest.json").is_file():
        raise PhmError(f"no manifest.json in {state}; save target/manifest.json of the nightly build there.")
    if not re.fullmatch(r"[a-z][a-z0-9_]*_", schema_prefix):
        raise PhmError(f"--schema-prefix '{schema_prefix}' must be lower-case letters, digits and _, "
                       f"starting with a letter and ending in _ (e.g. ci_ or pr_42_).")
    ci_target = project_root() / "target" / "ci"
    if ci_target.resolve() in (state.resolve(), *state.resolve().parents):
        raise PhmError(f"--state must be outside {ci_target}: that is where the CI build writes.")
    for stale in ("compiled", "run"):  # SQL left by an earlier CI build would confuse the reader
        shutil.rmtree(ci_target / stale, ignore_errors=True)
    deferred = published_state(state, ci_target / "state")
    variables = dict(extra_vars or {})
    for name in ("star_build_schema", "star_publish_schema"):
        value = _project_var(name)
        if value:
            variables[name] = schema_prefix + value
    report = RunReport(conn, title=f"slim CI (state:modified+ into {schema_prefix}* schemas)", nightly_job=False)
    args = ["build", "--select", "state:modified+", "--defer", "--state", str(deferred),
            "--target-path", str(ci_target), *(["--vars", _yaml_vars(variables)] if variables else [])]
    with _environ({"PHM_SCHEMA_PREFIX": schema_prefix}):
        report.steps.append(run_dbt(conn, args, "build modified and children (deferred)", quiet=quiet,
                                    show_progress=show_progress))
    return report


# The risk model dimension and everything that reads the scores: built after `phm score`.
RISK_DOWNSTREAM = "dim_risk_model+"


def score_step(conn: Connection) -> StepResult:
    """`phm score` for the run date. A failure leaves the landed runs, and so the fact, as they were."""
    from phm.risk.scoring import score

    started = time.time()
    start = time.perf_counter()
    try:
        scored = score(conn)
    except PhmError as exc:
        return StepResult("risk scoring (phm score)", time.perf_counter() - start, False, failures=[str(exc)],
                          started=started)
    return StepResult("risk scoring (phm score)", time.perf_counter() - start, True,
                      {r.model_code: len(r.scores) for r in scored.results}, started=started,
                      metrics={r.model_code: {"version": r.version.model_version, "seconds": round(r.seconds, 2),
                                              "validation_auroc": r.version.validation_auroc,
                                              "validation_brier": r.version.validation_brier,
                                              "calibration_in_the_large": r.version.calibration_in_the_large}
                               for r in scored.results},
                      warnings=[f"{code} skipped: {reason}" for code, reason in scored.skipped.items()])


def _yaml_vars(values: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}: '{v}'" for k, v in values.items()) + "}"


# --------------------------------------------------------------------------- summary


def layer_counts(conn: Connection) -> dict[str, list[tuple[str, int]]]:
    """Exact row counts of every table in the project's schemas, and of the EDW."""
    out: dict[str, list[tuple[str, int]]] = {}
    with conn.connect() as pg:
        rels = pg.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('phm_edw', 'phm_ref', 'phm_stg', 'phm_int', 'phm_star', 'phm_snapshots', 'phm_score') "
            "and table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        for schema, name in rels:
            n = pg.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]  # type: ignore[index]
            out.setdefault(schema, []).append((name, int(n)))
        views = pg.execute(
            "select table_schema, count(*) from information_schema.views "
            "where table_schema in ('phm_stg', 'phm_int', 'phm_star') group by 1"
        ).fetchall()
        for schema, n in views:
            out.setdefault(schema, []).append((f"({n} views)", -1))
    return out


def reject_summary(conn: Connection) -> list[tuple[str, int, int, int]]:
    """Per EDW table: source rows, loaded (kept) rows and rejected rows."""
    with conn.connect() as pg:
        exists = pg.execute("select to_regclass('phm_stg.stg_phm_edw__rejects') is not null").fetchone()[0]  # type: ignore[index]
        if not exists:
            return []
        tables = [r[0] for r in pg.execute(
            "select table_name from information_schema.tables where table_schema = 'phm_edw' and table_type = 'BASE TABLE' "
            "order by 1").fetchall()]
        rejected = dict(pg.execute(
            "select source_table, count(*) from phm_stg.stg_phm_edw__rejects group by 1").fetchall())
        rows = []
        for name in tables:
            n = int(pg.execute(f"select count(*) from phm_edw.{name}").fetchone()[0])  # type: ignore[index]
            r = int(rejected.get(name, 0))
            rows.append((name, n, n - r, r))
    return rows


def print_summary(conn: Connection) -> None:
    try:
        counts = layer_counts(conn)
        rejects = reject_summary(conn)
    except PhmError as exc:
        console.print(f"[red]{exc}[/]")
        return
    table = Table(title="rows per layer")
    for col in ("layer", "tables", "rows", "largest"):
        table.add_column(col)
    labels = {"phm_edw": "source (phm_edw)", "phm_ref": "seeds (phm_ref)", "phm_stg": "staging (phm_stg)",
              "phm_int": "intermediate (phm_int)", "phm_star": "marts (phm_star)", "phm_snapshots": "snapshots",
              "phm_score": "risk scores (phm_score)"}
    for schema, label in labels.items():
        items = [(n, c) for n, c in counts.get(schema, []) if c >= 0]
        view_note = " ".join(n for n, c in counts.get(schema, []) if c < 0)
        if not items and not view_note:
            continue
        largest = ", ".join(f"{n} {c:,}" for n, c in sorted(items, key=lambda x: -x[1])[:3])
        table.add_row(label, f"{len(items)} {view_note}".strip(), f"{sum(c for _, c in items):,}", largest)
    console.print(table)
    if rejects:
        total_src = sum(r[1] for r in rejects)
        total_kept = sum(r[2] for r in rejects)
        total_rej = sum(r[3] for r in rejects)
        console.print(f"staging: source rows {total_src:,} = loaded {total_kept:,} + rejected {total_rej:,}")
        for name, src, kept, rej in rejects:
            if rej:
                console.print(f"  {name}: source {src:,} = loaded {kept:,} + rejected {rej:,}")
    print_bundle_summary(conn)
    print_unmapped_vocabulary(conn)
    where = conn.origin
    console.print(f"database: {conn.url(hide_password=True)}  [{where}]")
    if conn.embedded:
        console.print("connect:  phm db psql        (or: psql \"$(phm db url --show-password)\")")
    else:
        console.print("connect:  phm db psql")


def unmapped_vocabulary(conn: Connection) -> list[tuple[str, str, int]]:
    """Coded EDW values seeds/reference/value_map.csv does not map: (vocabulary, raw value, rows), most rows first."""
    with conn.connect() as pg:
        if not pg.execute("select to_regclass('phm_int.int_vocabulary__unmapped_values') is not null").fetchone()[0]:  # type: ignore[index]
            return []
        rows = pg.execute(
            "select vocabulary, coalesce(raw_value, ''), row_count from phm_int.int_vocabulary__unmapped_values "
            "order by row_count desc, vocabulary, raw_value"
        ).fetchall()
    return [(str(v), str(r), int(n)) for v, r, n in rows]


def print_unmapped_vocabulary(conn: Connection) -> None:
    unmapped = unmapped_vocabulary(conn)
    if not unmapped:
        console.print("vocabularies: every coded value maps (seeds/reference/value_map.csv)")
        return
    listed = ", ".join(f"{vocab} {raw!r} {n:,} rows" for vocab, raw, n in unmapped)
    console.print(f"[yellow]vocabularies: {len(unmapped)} unmapped value(s), kept as UNMAPPED: {listed}[/] "
                  "(add them to seeds/reference/value_map.csv)")


def bundle_summary(conn: Connection) -> tuple[list[tuple[str, int]], int, int] | None:
    """Patients per bundle, and deduplicated rows / all rows of fact_patient_bundle_detail."""
    with conn.connect() as pg:
        if not pg.execute("select to_regclass('phm_star.fact_patient_bundle_detail') is not null").fetchone()[0]:  # type: ignore[index]
            return None
        per_bundle = pg.execute(
            "select b.bundle_code, count(f.patient_bundle_key) from phm_star.dim_care_gap_bundle b "
            "left join phm_star.fact_patient_bundle f on f.bundle_key = b.bundle_key "
            "group by b.bundle_code order by 2 desc, 1"
        ).fetchall()
        deduped, total = pg.execute(
            "select count(*) filter (where dedup_applied), count(*) from phm_star.fact_patient_bundle_detail"
        ).fetchone()  # type: ignore[misc]
    return [(code, int(n)) for code, n in per_bundle], int(deduped), int(total)


def print_bundle_summary(conn: Connection) -> None:
    summary = bundle_summary(conn)
    if summary is None:
        return
    per_bundle, deduped, total = summary
    listed = ", ".join(f"{code} {n:,}" for code, n in per_bundle)
    console.print(f"patients per bundle ({len(per_bundle)} bundles): {listed}")
    rate = 100.0 * deduped / total if total else 0.0
    console.print(f"cross-bundle dedup: {deduped:,} of {total:,} patient-measure rows satisfied once elsewhere "
                  f"({rate:.1f}%)")
