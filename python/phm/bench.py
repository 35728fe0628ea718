"""Benchmarks as commands: they print figures; nothing here asserts a time."""

from __future__ import annotations

import os
import sys
import time
from datetime import date
from typing import Any

from rich.console import Console
from rich.table import Table

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import DEFAULT_CHUNK_PATIENTS, generate_and_load

console = Console(width=None if sys.stdout.isatty() else 120)


def bench_generate(conn: Connection, patients: int, seed: int = 42, as_of: date | None = None,
                   chunk_patients: int = DEFAULT_CHUNK_PATIENTS) -> dict[str, float]:
    """Stream an EDW of `patients` patients into phm_edw; print rows/s, wall times and peak memory."""
    as_of = as_of or date.today()
    ddl.init_schema(conn, reset=True)
    t0 = time.perf_counter()
    result = generate_and_load(conn, patients, seed=seed, as_of=as_of, chunk_patients=chunk_patients,
                               progress=sys.stderr.isatty())
    total = time.perf_counter() - t0
    import resource

    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    rows = result.total_rows
    figures = {"patients": patients, "rows": rows, "copy_busy_s": result.load_seconds, "total_s": total,
               "rows_per_s": rows / total, "peak_rss_mb": result.peak_rss_mb,
               "worker_peak_rss_mb": result.worker_peak_rss_mb}
    table = Table(title=f"phm bench generate --patients {patients:,} --chunk-size {chunk_patients:,} "
                        f"({os.cpu_count()} cores)")
    for col in ("figure", "value"):
        table.add_column(col, justify="right")
    table.add_row("rows", f"{rows:,} ({rows / patients:.0f} per patient, {len(result.rows)} tables)")
    table.add_row("wall seconds (generate, CSV and COPY overlap)", f"{total:.1f}")
    table.add_row("seconds the COPY writer was busy", f"{result.load_seconds:.1f}")
    table.add_row("CPU seconds of the generator's processes (not PostgreSQL's)", f"{cpu:.1f}")
    table.add_row("rows/s", f"{figures['rows_per_s']:,.0f}")
    table.add_row("peak memory, main process (ru_maxrss)", f"{result.peak_rss_mb:,.0f} MB")
    table.add_row("peak memory, largest generator worker", f"{result.worker_peak_rss_mb:,.0f} MB"
                  if result.worker_peak_rss_mb else "no workers (one chunk)")
    console.print(table)
    console.print(f"the EDW in {conn.dbname} now holds this population.")
    return figures


GROUPS = (
    ("staging", ("model.medgnosis_phm.base_", "model.medgnosis_phm.stg_")),
    ("snapshot", ("snapshot.",)),
    ("keys", ("model.medgnosis_phm.int_keys__",)),
    ("care-gap engine", ("model.medgnosis_phm.int_care_gaps__", "model.medgnosis_phm.int_patients__",
                         "model.medgnosis_phm.fact_patient_bundle")),
    ("dimensions", ("model.medgnosis_phm.dim_", "model.medgnosis_phm.bridge_")),
    ("dashboards", ("model.medgnosis_phm.fact_patient_composite", "model.medgnosis_phm.fact_provider_quality",
                    "model.medgnosis_phm.fact_population_snapshot", "model.medgnosis_phm.mv_")),
    ("event facts", ("model.medgnosis_phm.fact_",)),
    ("tests", ("test.", "unit_test.")),
)


def _group_seconds(node_seconds: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {name: 0.0 for name, _ in GROUPS}
    for uid, seconds in node_seconds.items():
        for name, prefixes in GROUPS:
            if uid.startswith(prefixes):
                out[name] += seconds
                break
    return out


def bench_build(conn: Connection, patients: int, seed: int = 42) -> dict[str, float]:
    """Full build of a fresh EDW of `patients` patients, then a rerun with no source change.

    Prints wall time and per-group model time (summed over dbt's threads) for both, and the ratio.
    """
    from phm.edw.generate import generate_and_load
    from phm.orchestrate import nightly

    ddl.init_schema(conn, reset=True)
    gen = generate_and_load(conn, patients, seed=seed, progress=False)
    console.print(gen.summary())
    timings = {}
    groups = {}
    for label in ("full", "unchanged", "rerun"):
        start = time.perf_counter()
        # "unchanged" is what the nightly job does on a night with no change: it finds the EDW, the
        # project and the run date as at the last published build and skips dbt; "rerun" forces
        # dbt to run anyway, to measure the incremental models.
        report = nightly(conn, show_progress=False, force=(label == "rerun"))
        timings[label] = time.perf_counter() - start
        if not report.ok:
            report.print()
            raise SystemExit(1)
        groups[label] = _group_seconds({uid: t for step in report.steps for uid, t in step.node_seconds.items()})
    table = Table(title=f"phm bench build --patients {patients:,} ({os.cpu_count()} cores)")
    for col in ("model group", "full build s", "no-change rerun s", "rerun / full", "forced rerun s", "forced / full"):
        table.add_column(col, justify="right")
    for name, _ in GROUPS:
        full, unchanged, rerun = groups["full"][name], groups["unchanged"][name], groups["rerun"][name]
        table.add_row(name, f"{full:.1f}", f"{unchanged:.1f}", f"{unchanged / full:.0%}" if full else "-",
                      f"{rerun:.1f}", f"{rerun / full:.0%}" if full else "-")
    table.add_row("wall time (check + seed + build + publish)", f"{timings['full']:.1f}", f"{timings['unchanged']:.1f}",
                  f"{timings['unchanged'] / timings['full']:.0%}", f"{timings['rerun']:.1f}",
                  f"{timings['rerun'] / timings['full']:.0%}")
    console.print(table)
    console.print("no-change rerun: `phm run` on an unchanged EDW (fingerprint check, dbt skipped); "
                  "forced rerun: `phm run --force` (dbt runs; incremental facts write no rows)")
    return timings


# --------------------------------------------------------------------------- dashboard

WIDGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "patient grid (provider + tier, by priority)": (
        "select * from phm_star.mv_patient_dashboard where provider_key = %(provider_key)s "
        "and risk_tier = %(risk_tier)s order by abigail_priority_score desc, patient_key desc limit 50",
        ("provider_key", "risk_tier")),
    "care-gap worklist (provider)": (
        "select * from phm_star.mv_care_gap_worklist where provider_key = %(provider_key)s "
        "order by worklist_rank limit 50", ("provider_key",)),
    "provider scorecard": (
        "select * from phm_star.mv_bundle_compliance_by_provider where provider_key = %(provider_key)s "
        "order by bundle_code", ("provider_key",)),
    "population overview (org)": (
        "select * from phm_star.mv_population_overview where org_key = %(org_key)s "
        "order by bundle_key nulls first, open_gaps_rank", ("org_key",)),
    "patient drill-down": (
        "select c.*, b.bundle_code, d.measure_key, d.gap_status, d.is_overdue, d.last_action_date "
        "from phm_star.fact_patient_composite c "
        "join phm_star.fact_patient_bundle_detail d on d.patient_key = c.patient_key "
        "join phm_star.dim_care_gap_bundle b on b.bundle_key = d.bundle_key "
        "where c.patient_key = %(patient_key)s order by b.bundle_code, d.measure_key", ("patient_key",)),
    # the cost dashboard's screens (shared spec 02), for one organization and period
    "cost: period filter": (
        "select * from phm_star.dim_performance_period order by display_order", ()),
    "cost: top metrics (period + org)": (
        "select * from phm_star.fact_performance_metric where period_key = %(period_key)s "
        "and org_key = %(cost_org_key)s order by display_order", ("period_key", "cost_org_key")),
    "cost: categories (active period + org)": (
        "select * from phm_star.v_current_cost_categories where org_key = %(cost_org_key)s order by display_order",
        ("cost_org_key",)),
    "cost: categories (period + org)": (
        "select * from phm_star.fact_cost_category where period_key = %(period_key)s "
        "and org_key = %(cost_org_key)s order by display_order", ("period_key", "cost_org_key")),
    "cost: opportunities (period + org)": (
        "select * from phm_star.fact_cost_opportunity where period_key = %(period_key)s "
        "and org_key = %(cost_org_key)s and show_on_dashboard order by opportunity_type, opportunity_rank",
        ("period_key", "cost_org_key")),
    "cost: efficiency KPIs (period + org)": (
        "select * from phm_star.fact_efficiency_kpi where period_key = %(period_key)s "
        "and org_key = %(cost_org_key)s order by display_order", ("period_key", "cost_org_key")),
    "cost: recommendations (org)": (
        "select * from phm_star.v_recommendations_with_categories where org_key = %(cost_org_key)s "
        "order by is_triggered desc, estimated_savings desc", ("cost_org_key",)),
    "cost: drill-down (period + org + category)": (
        "select * from phm_star.fact_cost_drilldown where period_key = %(period_key)s and org_key = %(cost_org_key)s "
        "and slug = %(cost_slug)s order by dimension_type, spending_total desc limit 50",
        ("period_key", "cost_org_key", "cost_slug")),
}


def _percentile(sorted_ms: list[float], pct: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, int(round(pct / 100 * len(sorted_ms) + 0.5)) - 1))
    return sorted_ms[index]


def _population_ready(conn: Connection, patients: int) -> bool:
    with conn.connect() as pg:
        row = pg.execute(
            "select (select count(*) from phm_edw.patient), "
            "to_regclass('phm_star.fact_patient_composite') is not null").fetchone()
        if not row or row[0] != patients or not row[1]:
            return False
        edw_max = pg.execute("select max(patient_id) from phm_edw.patient").fetchone()
        star_max = pg.execute("select max(patient_id) from phm_star.dim_patient").fetchone()
    return bool(edw_max and star_max and edw_max[0] == star_max[0])


def bench_dashboard(conn: Connection, patients: int, seed: int = 42, iterations: int = 200) -> dict[str, dict[str, float]]:
    """Time every dashboard widget query and every Abigail analysis on the published star.

    Reuses the database when it already holds a published star of `patients` patients; otherwise
    generates that population and runs the nightly build first. Parameters are drawn at random
    (fixed seed) from the real keys, so each query hits different rows. Prints p50/p95/p99 in
    milliseconds, and the plan of the slowest query by p95.
    """
    import random

    from phm import abigail
    from phm.edw.generate import generate_and_load
    from phm.orchestrate import nightly

    if not _population_ready(conn, patients):
        console.print(f"building a published star of {patients:,} patients first ...")
        ddl.init_schema(conn, reset=True)
        generate_and_load(conn, patients, seed=seed, progress=False)
        report = nightly(conn, show_progress=False)
        if not report.ok:
            report.print()
            raise SystemExit(1)
    with conn.connect() as pg:
        pool = {
            "provider_key": [r[0] for r in pg.execute(
                "select distinct provider_key from phm_star.fact_patient_composite where provider_key is not null")],
            "org_key": [r[0] for r in pg.execute(
                "select distinct org_key from phm_star.fact_patient_composite where org_key is not null")],
            "patient_key": [r[0] for r in pg.execute(
                "select patient_key from phm_star.fact_patient_composite order by patient_key limit 5000")],
            "patient_id": [r[0] for r in pg.execute(
                "select patient_id from phm_star.dim_patient where is_current order by patient_id limit 5000")],
            "provider_id": [r[0] for r in pg.execute(
                "select p.provider_id from phm_star.dim_provider p where p.provider_key in "
                "(select provider_key from phm_star.fact_patient_composite)")],
            "risk_tier": [r[0] for r in pg.execute(
                "select distinct risk_tier from phm_star.fact_patient_composite where risk_tier is not null")],
            "period_key": [r[0] for r in pg.execute("select period_key from phm_star.dim_performance_period")],
            "cost_org_key": [r[0] for r in pg.execute("select distinct org_key from phm_star.fact_cost_category")],
            "cost_slug": [r[0] for r in pg.execute("select distinct slug from phm_star.fact_cost_category")],
        }
    queries = dict(WIDGETS)
    compiled = abigail.compile_all(conn, {"patient_id": 0, "provider_id": 0})
    for name, sql in compiled.items():
        needs = tuple(k for k in ("patient_id", "provider_id") if f"%({k})s" in sql)
        queries[f"abigail: {name}"] = (sql, needs)
    rng = random.Random(seed)
    results: dict[str, dict[str, float]] = {}
    with conn.connect() as pg:
        for name, (sql, needs) in queries.items():
            timings: list[float] = []
            rows = 0
            for i in range(iterations):
                params = {k: rng.choice(pool[k]) for k in needs}
                started = time.perf_counter()
                rows += len(pg.execute(sql, params).fetchall())  # type: ignore[arg-type]
                if i:  # the first run warms the cache and the plan; it is not counted
                    timings.append((time.perf_counter() - started) * 1000)
            timings.sort()
            results[name] = {"p50": _percentile(timings, 50), "p95": _percentile(timings, 95),
                             "p99": _percentile(timings, 99), "rows": rows / iterations}
        slowest = max(results, key=lambda n: results[n]["p95"])
        sql, needs = queries[slowest]
        params = {k: pool[k][0] for k in needs}
        plan = [r[0] for r in pg.execute("explain (analyze, buffers) " + sql, params)]  # type: ignore[arg-type]
    table = Table(title=f"phm bench dashboard --patients {patients:,}: {iterations - 1} timed runs per query "
                        f"({os.cpu_count()} cores)")
    for col in ("query", "p50 ms", "p95 ms", "p99 ms", "rows/run"):
        table.add_column(col, justify="right" if col != "query" else "left")
    for name, r in results.items():
        table.add_row(name, f"{r['p50']:.2f}", f"{r['p95']:.2f}", f"{r['p99']:.2f}", f"{r['rows']:.1f}")
    console.print(table)
    console.print(f"slowest by p95: {slowest}\n" + "\n".join(plan))
    return results


# --------------------------------------------------------------------------- nightly (issue 12)

MART_PREFIXES = ("dim_", "fact_", "bridge_", "mv_")


def schema_sizes(conn: Connection) -> dict[str, int]:
    """Bytes per schema of the warehouse (tables, materialized views, their indexes and TOAST)."""
    with conn.connect() as pg:
        rows = pg.execute(
            "select n.nspname, sum(pg_total_relation_size(c.oid))::bigint from pg_class c "
            "join pg_namespace n on n.oid = c.relnamespace where c.relkind in ('r', 'm', 'p') "
            "and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%' "
            "group by 1 order by 2 desc").fetchall()
    return {name: int(size) for name, size in rows}


def _mart_rows(report: Any) -> dict[str, int]:
    rows: dict[str, int] = {}
    for step in report.steps:
        for model, n in step.rows_affected.items():
            if model.startswith(MART_PREFIXES):
                rows[model] = rows.get(model, 0) + n
    return rows


def bench_nightly(conn: Connection, patients: int, days: int, seed: int = 42, fraction: float = 0.01
                  ) -> dict[str, float]:
    """A full build, then `days` simulated days each followed by the nightly build.

    Reuses phm_edw when it holds exactly `patients` patients (generates them otherwise). Prints per
    step the wall seconds, the EDW rows the day changed, the rows each mart wrote (dbt's rows
    affected) and each nightly's share of the full build; then the database size per schema.
    """
    from datetime import timedelta

    from phm.edw.simulate import default_day, simulate_day
    from phm.orchestrate import nightly

    with conn.connect() as pg:
        present = pg.execute("select to_regclass('phm_edw.patient') is not null").fetchone()[0]  # type: ignore[index]
        # generated ids follow the patient index: the last one is N even after simulated days deleted some
        count = pg.execute("select coalesce(max(patient_id), 0) from phm_edw.patient").fetchone()[0] if present else 0  # type: ignore[index]
    if count != patients:
        console.print(f"generating {patients:,} patients first ...")
        ddl.init_schema(conn, reset=True)
        generate_and_load(conn, patients, seed=seed, progress=sys.stderr.isatty())
    first_day = default_day(conn)
    steps: list[tuple[str, float, int, dict[str, int]]] = []

    def build(label: str, run_date: date, changed: int, full_refresh: bool) -> None:
        start = time.perf_counter()
        report = nightly(conn, full_refresh=full_refresh, show_progress=sys.stderr.isatty(),
                         extra_vars={"run_date": run_date.isoformat()})
        seconds = time.perf_counter() - start
        if not report.ok:
            report.print()
            raise SystemExit(1)
        steps.append((label, seconds, changed, _mart_rows(report)))
        console.print(f"{label}: {seconds:.1f} s")

    build(f"full build (--full-refresh, run date {first_day - timedelta(days=1)})", first_day - timedelta(days=1), 0, True)
    day_seconds = []
    for i in range(days):
        day = first_day + timedelta(days=i)
        start = time.perf_counter()
        change = simulate_day(conn, day, fraction=fraction, seed=seed)
        day_seconds.append(time.perf_counter() - start)
        console.print(change.summary())
        build(f"day {i + 1} ({day}): phm run", day, change.rows_changed, False)
    full_seconds = steps[0][1]
    table = Table(title=f"phm bench nightly --patients {patients:,} --days {days} ({os.cpu_count()} cores, "
                        f"fraction {fraction:g})")
    for col in ("step", "wall s", "EDW rows changed", "mart rows written", "share of the full build"):
        table.add_column(col, justify="right" if col != "step" else "left")
    for label, seconds, changed, marts in steps:
        table.add_row(label, f"{seconds:.1f}", f"{changed:,}", f"{sum(marts.values()):,}", f"{seconds / full_seconds:.0%}")
    console.print(table)
    marts = sorted({m for _, _, _, rows in steps for m in rows})
    per_mart = Table(title="rows written per mart (dbt rows affected)")
    per_mart.add_column("mart")
    for label, *_ in steps:
        per_mart.add_column(label.split(":")[0].split(" (")[0], justify="right")
    for mart in marts:
        per_mart.add_row(mart, *[f"{rows.get(mart, 0):,}" for _, _, _, rows in steps])
    console.print(per_mart)
    sizes = schema_sizes(conn)
    size_table = Table(title=f"database size per schema ({patients:,} patients)")
    for col in ("schema", "MB", "bytes per patient"):
        size_table.add_column(col, justify="right" if col != "schema" else "left")
    for schema, size in sizes.items():
        size_table.add_row(schema, f"{size / 2**20:,.1f}", f"{size / patients:,.0f}")
    total = sum(sizes.values())
    size_table.add_row("total", f"{total / 2**20:,.1f}", f"{total / patients:,.0f}")
    console.print(size_table)
    console.print(f"simulate-day took {', '.join(f'{s:.1f}' for s in day_seconds)} s")
    return {"full_s": full_seconds, **{f"day{i + 1}_s": s[1] for i, s in enumerate(steps[1:])}}
