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
