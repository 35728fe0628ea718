"""Benchmarks as commands: they print figures; nothing here asserts a time."""

from __future__ import annotations

import os
import sys
import time
from datetime import date

from rich.console import Console
from rich.table import Table

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import build_tables, load

console = Console(width=None if sys.stdout.isatty() else 120)


def bench_generate(conn: Connection, patients: int, seed: int = 42, as_of: date | None = None) -> dict[str, float]:
    """Generate and bulk-load an EDW of `patients` patients; print rows/s and wall times per phase."""
    as_of = as_of or date.today()
    ddl.init_schema(conn, reset=True)
    t0 = time.perf_counter()
    tables, _ = build_tables(patients, seed, "ambulatory", as_of)
    t1 = time.perf_counter()
    load(conn, tables, progress=False)
    t2 = time.perf_counter()
    rows = sum(len(frame) for frame in tables.values())
    figures = {"patients": patients, "rows": rows, "generate_s": t1 - t0, "load_s": t2 - t1, "total_s": t2 - t0,
               "rows_per_s": rows / (t2 - t0)}
    table = Table(title=f"phm bench generate --patients {patients:,} ({os.cpu_count()} cores)")
    for col in ("phase", "seconds", "rows/s"):
        table.add_column(col, justify="right")
    table.add_row("generate (numpy/pandas)", f"{figures['generate_s']:.1f}", f"{rows / figures['generate_s']:,.0f}")
    table.add_row("load (COPY)", f"{figures['load_s']:.1f}", f"{rows / figures['load_s']:,.0f}")
    table.add_row("total", f"{figures['total_s']:.1f}", f"{figures['rows_per_s']:,.0f}")
    console.print(table)
    console.print(f"{rows:,} rows in {len(tables)} tables; the EDW in {conn.dbname} now holds this population.")
    return figures


GROUPS = (
    ("staging", ("model.medgnosis_phm.base_", "model.medgnosis_phm.stg_")),
    ("snapshot", ("snapshot.",)),
    ("keys", ("model.medgnosis_phm.int_keys__",)),
    ("care-gap engine", ("model.medgnosis_phm.int_care_gaps__", "model.medgnosis_phm.int_patients__",
                         "model.medgnosis_phm.fact_patient_bundle")),
    ("dimensions", ("model.medgnosis_phm.dim_", "model.medgnosis_phm.bridge_")),
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
    for label in ("full", "rerun"):
        start = time.perf_counter()
        report = nightly(conn, show_progress=False)
        timings[label] = time.perf_counter() - start
        if not report.ok:
            report.print()
            raise SystemExit(1)
        groups[label] = _group_seconds({uid: t for step in report.steps for uid, t in step.node_seconds.items()})
    table = Table(title=f"phm bench build --patients {patients:,} ({os.cpu_count()} cores)")
    for col in ("model group", "full build s", "no-change rerun s", "rerun / full"):
        table.add_column(col, justify="right")
    for name, _ in GROUPS:
        full, rerun = groups["full"][name], groups["rerun"][name]
        table.add_row(name, f"{full:.1f}", f"{rerun:.1f}", f"{rerun / full:.0%}" if full else "-")
    table.add_row("wall time (seed + build)", f"{timings['full']:.1f}", f"{timings['rerun']:.1f}",
                  f"{timings['rerun'] / timings['full']:.0%}")
    console.print(table)
    return timings
