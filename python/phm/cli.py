"""`phm`: the command-line tool. Thin: parse arguments, call one function, print its result."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Optional

import click

from phm.errors import PhmError


@click.group(help="Medgnosis population-health warehouse: embedded database, synthetic EDW, nightly dbt build.")
def app() -> None:
    pass


@app.group("db")
def db_app() -> None:
    """Start, stop and reach the project's PostgreSQL."""


@app.group("edw")
def edw_app() -> None:
    """Create and fill the phm_edw source schema."""


@app.group("bundles")
def bundles_app() -> None:
    """The care-gap bundle catalogue (seeds/care_gaps)."""


@app.group("bench")
def bench_app() -> None:
    """Benchmarks that print figures."""


@app.group("recommendation")
def recommendation_app() -> None:
    """Cost-dashboard recommendations and the status people give them (kept in phm_app)."""


PATIENTS = click.IntRange(min=1)


# --------------------------------------------------------------------------- db


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (created on first use)."""
    from phm import db

    external = db.external_connection()
    if external is not None:
        version = db.check_server(external)
        click.echo(f"Using external PostgreSQL {version // 10000} at {external.host}:{external.port} ({external.origin}); nothing to start.")
        return
    click.echo(db.EmbeddedServer().start())


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL."""
    from phm import db

    if db.external_connection() is not None:
        click.echo("Using an external PostgreSQL; nothing to stop.")
        return
    click.echo(db.EmbeddedServer().stop())


@db_app.command("status")
def db_status() -> None:
    """Say whether the database is up. Exit 0 when it is, 3 when it is not."""
    from phm import db

    external = db.external_connection()
    if external is not None:
        version = db.check_server(external)
        click.echo(f"External PostgreSQL {version // 10000} reachable at {external.host}:{external.port} ({external.origin}).")
        return
    running, message = db.EmbeddedServer().status()
    click.echo(message)
    if not running:
        raise SystemExit(3)


@db_app.command("url")
@click.option("--show-password", is_flag=True, help="Print the password too.")
def db_url(show_password: bool) -> None:
    """Print the connection URL."""
    from phm import db

    click.echo(db.current_connection().url(hide_password=not show_password))


@db_app.command("psql", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
@click.pass_context
def db_psql(ctx: click.Context) -> None:
    """Open psql on the database (extra arguments are passed to psql)."""
    from phm import db

    conn = db.current_connection()
    psql = db.EmbeddedServer().psql_path() if conn.embedded else "psql"
    env = dict(os.environ, PGPASSWORD=conn.password)
    args = [psql, "-h", conn.host, "-p", str(conn.port), "-U", conn.user, "-d", conn.dbname, *ctx.args]
    try:
        raise SystemExit(subprocess.call(args, env=env))
    except FileNotFoundError:
        raise PhmError("psql was not found on PATH.") from None


# --------------------------------------------------------------------------- edw


@edw_app.command("init")
@click.option("--reset", is_flag=True, help="Drop phm_edw first (destroys its data).")
def edw_init(reset: bool) -> None:
    """Create the phm_edw schema with the upstream tables and columns."""
    from phm import db
    from phm.edw import ddl

    conn = db.ensure_running()
    click.echo(ddl.init_schema(conn, reset=reset))


@edw_app.command("generate")
@click.option("--patients", "-n", type=PATIENTS, default=10_000, show_default=True, help="How many patients.")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed; the same seed gives the same EDW.")
@click.option("--profile", type=click.Choice(["ambulatory", "medicare"]), default="ambulatory", show_default=True,
              help="Population mix.")
@click.option("--defects", type=click.FloatRange(0.0, 0.5), default=0.0, show_default=True,
              help="Share of bad rows to inject, for reliability tests.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date the history ends at (default: today).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=2_500, show_default=True,
              help="Patients generated and COPYed at a time (memory only; the EDW is the same whatever the size).")
def edw_generate(patients: int, seed: int, profile: str, defects: float, as_of: Optional[datetime],
                 chunk_size: int) -> None:
    """Fill phm_edw with a realistic synthetic population.

    Replaces phm_edw, and drops the schemas built from it (phm_stg, phm_int, phm_snapshots,
    phm_star) so that the next `phm run` starts from the new population alone.
    """
    from phm import db
    from phm.edw import ddl, generate
    from phm.edw.capacity import check_patients

    check_patients(patients)  # before any work: the machine must be able to hold it
    conn = db.ensure_running()
    ddl.init_schema(conn, reset=True)
    result = generate.generate_and_load(conn, patients=patients, seed=seed, profile=profile, defects=defects,
                                        as_of=as_of.date() if as_of else None, chunk_patients=chunk_size)
    click.echo(result.summary())


@edw_app.command("load-synthea")
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--append", is_flag=True, help="Add the export to the EDW (upsert by key) instead of replacing it.")
@click.option("--timezone", default="UTC", show_default=True,
              help="Time zone the EDW's timestamps are in; Synthea writes UTC.")
def edw_load_synthea(directory: Path, append: bool, timezone: str) -> None:
    """Load a Synthea CSV export (v3) into phm_edw.

    Without --append, replaces phm_edw and drops the schemas built from it, as `edw generate` does;
    loading the same export again gives the same rows and ids. Rows that cannot be loaded are listed
    as file:line and a reason.
    """
    from phm import db
    from phm.edw.synthea import check_export, load_synthea, resolve_timezone

    check_export(directory)
    resolve_timezone(timezone)
    conn = db.ensure_running()
    click.echo(load_synthea(conn, directory, append=append, timezone=timezone).summary())


# --------------------------------------------------------------------------- simulated days (issue 12)


@edw_app.command("simulate-day")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day to simulate (default: the day after the EDW's latest activity).")
@click.option("--fraction", type=click.FloatRange(0.0, 0.5, min_open=True), default=0.01, show_default=True,
              help="Share of living patients with a visit that day; the other kinds of change scale with it.")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed; the same date and seed give the same day.")
def edw_simulate_day(day: Optional[datetime], fraction: float, seed: int) -> None:
    """Apply one day of EDW activity to phm_edw: visits, gaps, PCP moves, deaths, corrections, deletes."""
    from phm import db
    from phm.edw.simulate import simulate_day

    conn = db.ensure_running()
    click.echo(simulate_day(conn, day.date() if day else None, fraction=fraction, seed=seed).summary())


@bundles_app.command("check")
@click.option("--seeds-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder with the four CSVs (default: seeds/care_gaps of the project).")
def bundles_check(seeds_dir: Optional[Path]) -> None:
    """Validate the bundle, measure and dedup-domain seeds; one line per problem."""
    from phm.bundles import check
    from phm.edw.catalog import seeds_dir as default_seeds_dir

    report = check(seeds_dir or default_seeds_dir())
    for error in report.errors:
        click.echo(error, err=True)
    summary = ", ".join(f"{n} {what}" for what, n in report.counts.items())
    if not report.ok:
        click.echo(f"phm: error: {len(report.errors)} problem(s) in the bundle seeds ({summary})", err=True)
        raise SystemExit(1)
    click.echo(f"bundle seeds ok: {summary}")


# --------------------------------------------------------------------------- run


@app.command("run")
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
@click.option("--select", "-s", default=None, help="dbt selector for the build step (a partial build is not published).")
@click.option("--selector", default=None,
              help="A selector from selectors.yml: nightly (the default), staging, bundles, dashboards.")
@click.option("--force", is_flag=True, help="Rebuild even when nothing changed since the last published build.")
@click.option("--synthea", "synthea_dir", type=click.Path(path_type=Path), default=None,
              help="First load this Synthea CSV export into phm_edw (as `edw load-synthea`).")
@click.option("--append", is_flag=True, help="With --synthea: add the export to the EDW instead of replacing it.")
def run(full_refresh: bool, select: Optional[str], selector: Optional[str], force: bool, synthea_dir: Optional[Path],
        append: bool) -> None:
    """The nightly build: dbt seed, then build (snapshots, models, tests) and publish, with a run audit."""
    from phm import db
    from phm.orchestrate import nightly

    if append and synthea_dir is None:
        raise click.UsageError("--append needs --synthea DIR.")
    if synthea_dir is not None:
        from phm.edw.synthea import check_export

        check_export(synthea_dir)
    conn = db.ensure_running()
    if synthea_dir is not None:
        from phm.edw.synthea import load_synthea

        click.echo(load_synthea(conn, synthea_dir, append=append).summary())
    report = nightly(conn, full_refresh=full_refresh, select=select, force=force, selector=selector)
    report.print()
    if not report.ok:
        raise SystemExit(1)


@app.command("score")
@click.option("--scoring-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date to score (a feature date of int_risk_features; default: the latest, the run date).")
@click.option("--models", default=None, metavar="CODES",
              help="Comma-separated models to score (default: HCC_V28,READMIT_30D,ED_RISK,ABIGAIL_COMPOSITE).")
def score(scoring_date: Optional[datetime], models: Optional[str]) -> None:
    """Score every active patient and land the run in phm_score; prints rows, seconds and AUROC per model.

    Then `phm dbt build --select dim_risk_model fact_ai_risk_score+` loads it into the star
    (the nightly `phm run` does both).
    """
    from phm import db
    from phm.risk.scoring import parse_models, score as score_patients

    codes = parse_models(models)
    conn = db.ensure_running()
    report = score_patients(conn, scoring_date.date() if scoring_date else None, codes)
    for line in report.lines():
        click.echo(line)


@recommendation_app.command("list")
def recommendation_list() -> None:
    """Every published recommendation: ID, live status, whether it triggers, title."""
    from phm import db
    from phm.recommendations import list_recommendations

    for rec in list_recommendations(db.ensure_running()):
        click.echo(f"{rec.key:>4}  {rec.status:<13} {'triggered' if rec.is_triggered else 'quiet':<9}  {rec.title}")


@recommendation_app.command("status")
@click.argument("recommendation_id", type=click.IntRange(min=1))
@click.argument("status", type=click.Choice(["not_started", "accepted", "rejected", "already_doing"]))
@click.option("--note", default=None, help="Why, for the history.")
@click.option("--by", "set_by", default=None, help="Who sets it (default: the database user).")
def recommendation_status(recommendation_id: int, status: str, note: Optional[str], set_by: Optional[str]) -> None:
    """Set a recommendation's status; the change is kept, with who, when and the note, in phm_app."""
    from phm import db
    from phm.recommendations import set_status

    click.echo(set_status(db.ensure_running(), recommendation_id, status, note, set_by))


@app.command("env")
def env() -> None:
    """Print `export` lines for the variables dbt needs: eval "$(phm env)"."""
    import shlex

    from phm import db
    from phm.orchestrate import dbt_environment

    for key, value in dbt_environment(db.current_connection()).items():
        click.echo(f"export {key}={shlex.quote(value)}")


@app.command("dbt", context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                                      "help_option_names": []})
@click.pass_context
def dbt(ctx: click.Context) -> None:
    """Run any dbt command against the project's database, e.g. `phm dbt docs serve`."""
    from phm import db
    from phm.orchestrate import dbt_environment

    conn = db.ensure_running()
    full_env = dict(os.environ, **dbt_environment(conn))
    dbt_exe = os.path.join(os.path.dirname(sys.executable), "dbt")
    raise SystemExit(subprocess.call([dbt_exe, *ctx.args], env=full_env))


@app.command("summary")
def summary() -> None:
    """Row counts per layer, and how to connect."""
    from phm import db
    from phm.orchestrate import print_summary

    conn = db.current_connection()
    conn.connect().close()  # an unreachable database is an error (exit 1), not a summary of nothing
    print_summary(conn)


# --------------------------------------------------------------------------- abigail


@app.command("abigail")
@click.argument("name")
@click.option("--patient", "patient_id", type=int, default=None, help="EDW patient id.")
@click.option("--provider", "provider_id", type=int, default=None, help="EDW provider id.")
@click.option("--bundle", "bundle_code", default=None, help="Bundle code (provider-bundle-performance: DM2; bundle-trend: COPD).")
@click.option("--tier", "risk_tier", type=click.Choice(["Critical", "High", "Medium", "Low"]), default=None,
              help="Risk tier for top-critical-patients (default Critical).")
def abigail(name: str, patient_id: Optional[int], provider_id: Optional[int], bundle_code: Optional[str],
            risk_tier: Optional[str]) -> None:
    """Run one Abigail analysis on the published star: open-gaps, risk-trajectory, pre-visit-summary,
    why-high-risk, top-critical-patients, provider-bundle-performance or bundle-trend."""
    from rich.console import Console
    from rich.table import Table

    from phm import abigail as abigail_mod
    from phm import db

    variables = {"patient_id": patient_id, "provider_id": provider_id, "bundle_code": bundle_code,
                 "risk_tier": risk_tier}
    analysis = abigail_mod.resolve(name, variables)
    conn = db.ensure_running()
    abigail_mod.require_known(conn, variables)
    sql = abigail_mod.compile_sql(conn, analysis, variables)
    columns, rows, seconds = abigail_mod.run(conn, sql, variables)
    table = Table(title=analysis.question, caption=f"{len(rows)} row(s) in {seconds * 1000:.1f} ms")
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=None if sys.stdout.isatty() else 160).print(table)


# --------------------------------------------------------------------------- bench


@bench_app.command("generate")
@click.option("--patients", "-n", type=PATIENTS, default=10_000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--chunk-size", type=click.IntRange(min=1), default=2_500, show_default=True,
              help="Patients generated and COPYed at a time.")
def bench_generate(patients: int, seed: int, chunk_size: int) -> None:
    """Time streaming a synthetic EDW into phm_edw (replaces it); prints rows per second and peak memory."""
    from phm import bench, db

    conn = db.ensure_running()
    bench.bench_generate(conn, patients=patients, seed=seed, chunk_patients=chunk_size)


@bench_app.command("build")
@click.option("--patients", "-n", type=PATIENTS, default=10_000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def bench_build(patients: int, seed: int) -> None:
    """Time a full nightly build and a no-change rerun, per model group (replaces the EDW)."""
    from phm import bench, db

    conn = db.ensure_running()
    bench.bench_build(conn, patients=patients, seed=seed)


@bench_app.command("nightly")
@click.option("--patients", "-n", type=PATIENTS, default=10_000, show_default=True)
@click.option("--days", type=click.IntRange(min=0), default=2, show_default=True, help="Simulated days after the full build.")
@click.option("--fraction", type=click.FloatRange(0.0, 0.5, min_open=True), default=0.01, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
def bench_nightly(patients: int, days: int, fraction: float, seed: int) -> None:
    """Full build, then simulated days each followed by `phm run`: time, rows changed, rows per mart, sizes."""
    from phm import bench, db

    conn = db.ensure_running()
    bench.bench_nightly(conn, patients=patients, days=days, seed=seed, fraction=fraction)


@bench_app.command("dashboard")
@click.option("--patients", "-n", type=PATIENTS, default=10_000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--iterations", type=click.IntRange(10, 100_000), default=200, show_default=True,
              help="Runs per query (the first, warming up, is not counted).")
def bench_dashboard(patients: int, seed: int, iterations: int) -> None:
    """Time each dashboard widget and Abigail query (p50/p95/p99); reuses a published star of that size."""
    from phm import bench, db

    conn = db.ensure_running()
    bench.bench_dashboard(conn, patients=patients, seed=seed, iterations=iterations)


# --------------------------------------------------------------------------- analyst workflow

from phm.analyst_cli import register as register_analyst_commands  # noqa: E402 - after the group exists

register_analyst_commands(app)  # phm lint, phm docs, phm ci, phm new mart


# --------------------------------------------------------------------------- entry point


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: every failure is one line on stderr and a non-zero exit."""
    try:
        returned = app(args=argv, prog_name="phm", standalone_mode=False)
        if isinstance(returned, int):
            return returned
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except SystemExit as exc:
        return int(exc.code or 0)
    except click.exceptions.Abort:
        click.echo("phm: aborted", err=True)
        return 130
    except click.UsageError as exc:
        where = f" ({exc.ctx.command_path})" if exc.ctx is not None else ""
        click.echo(f"phm: error{where}: {exc.format_message()}", err=True)
        return 2
    except click.ClickException as exc:
        click.echo(f"phm: error: {exc.format_message()}", err=True)
        return exc.exit_code
    except PhmError as exc:
        click.echo(f"phm: error: {' '.join(str(exc).split())}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("phm: interrupted", err=True)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, never a traceback
        if os.environ.get("PHM_DEBUG"):
            raise
        detail = " ".join(str(exc).split()) or type(exc).__name__
        click.echo(f"phm: unexpected error: {detail} (set PHM_DEBUG=1 for the traceback)", err=True)
        return 1
    return 0


def entry() -> None:
    sys.exit(main())
