"""The nightly job: dbt seed, snapshot and build, run in-process with dbt's programmatic runner."""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    warnings: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    conn: Connection
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def print(self) -> None:
        table = Table(title="nightly build", show_lines=False)
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


def run_dbt(conn: Connection, args: list[str], label: str, quiet: bool = True, show_progress: bool = True) -> StepResult:
    """Run one dbt command in-process; count node results; never raise for test failures."""
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
    start = time.perf_counter()
    with _environ(dbt_environment(conn)), progress:
        result = dbtRunner(callbacks=[on_event]).invoke(full)
    seconds = time.perf_counter() - start
    counts: dict[str, int] = {}
    failures: list[str] = []
    node_seconds: dict[str, float] = {}
    if result.exception is not None:
        return StepResult(label, seconds, False, failures=[" ".join(str(result.exception).split())],
                          warnings=warnings)
    for node in getattr(result.result, "results", None) or []:
        if node.node.resource_type == "operation":
            continue  # on-run-start hooks are not models or tests
        status = str(node.status)
        counts[status] = counts.get(status, 0) + 1
        node_seconds[node.node.unique_id] = float(node.execution_time or 0.0)
        if status in ("error", "fail", "runtime error"):
            message = " ".join(str(node.message or "").split())[:300]
            failures.append(f"{node.node.name}: {message}")
    return StepResult(label, seconds, bool(result.success), counts, failures, node_seconds, warnings)


def nightly(conn: Connection, full_refresh: bool = False, select: str | None = None, quiet: bool = True,
            show_progress: bool = True, extra_vars: dict[str, str] | None = None) -> RunReport:
    """seed, then build. Stops at the first failing step.

    `dbt build` runs seeds, snapshots, models and their tests in dependency order: the patient
    snapshot reads the staging model, so it must run after staging and before the dimensions,
    which a separate `dbt snapshot` before the build could not do on a first run. Seeds also run
    first on their own so that a broken seed file stops the run before anything is rebuilt.
    After a whole build (no `select`), the risk models score the run date and their run is loaded
    into fact_ai_risk_score (score_and_load).
    """
    report = RunReport(conn)
    var_args = ["--vars", _yaml_vars(extra_vars)] if extra_vars else []
    steps: list[tuple[str, list[str]]] = [
        # seeds are small reference tables: always reloaded whole, so a changed column never breaks the run
        ("seed", ["seed", "--full-refresh", *var_args]),
        ("build (snapshots, models, tests)",
         ["build", *(["--full-refresh"] if full_refresh else []), *(["--select", select] if select else []),
          "--exclude", "tag:post_build", *var_args]),
    ]
    if not select:
        # unit tests of incremental models read their `this` columns from the built table; with a
        # partial --select that table may not exist yet, so they run only after a whole build
        steps.append(("unit tests on built incremental models", ["test", "--select", "tag:post_build", *var_args]))
    for label, args in steps:
        step = run_dbt(conn, args, label, quiet=quiet, show_progress=show_progress)
        report.steps.append(step)
        if not step.ok:
            break
    if report.ok and not select:
        score_and_load(conn, report, var_args, quiet=quiet, show_progress=show_progress)
    return report


def score_and_load(conn: Connection, report: RunReport, var_args: list[str], quiet: bool = True,
                   show_progress: bool = True) -> None:
    """`phm score` for the run date, then rebuild the risk model dimension and fact_ai_risk_score and
    everything downstream of it. A scoring failure stops here and leaves the landed runs, and so the
    fact, as they were."""
    from phm.risk.scoring import score

    start = time.perf_counter()
    try:
        scored = score(conn)
    except PhmError as exc:
        report.steps.append(StepResult("risk scoring (phm score)", time.perf_counter() - start, False,
                                       failures=[str(exc)]))
        return
    report.steps.append(StepResult("risk scoring (phm score)", time.perf_counter() - start, True,
                                   {r.model_code: len(r.scores) for r in scored.results},
                                   warnings=[f"{code} skipped: {reason}" for code, reason in scored.skipped.items()]))
    report.steps.append(run_dbt(conn, ["build", "--select", "dim_risk_model", "fact_ai_risk_score+", *var_args],
                                "risk scores into the star", quiet=quiet, show_progress=show_progress))


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
    where = conn.origin
    console.print(f"database: {conn.url(hide_password=True)}  [{where}]")
    if conn.embedded:
        console.print("connect:  phm db psql        (or: psql \"$(phm db url --show-password)\")")
    else:
        console.print("connect:  phm db psql")


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
