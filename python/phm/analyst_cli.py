"""The analyst's commands: `phm lint`, `phm docs`, `phm ci`, `phm new mart`. Registered on the
main group by cli.py; each parses its arguments and calls one function."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click

from phm.lint import RULES

LINT_RULES = "\b\nRules:\n" + "\n".join(f"  {rule}: {what}" for rule, what in RULES.items())


@click.command("lint", epilog=LINT_RULES)
@click.option("--no-parse", is_flag=True, help="Reuse target/manifest.json instead of running `dbt parse`.")
@click.option("--catalog", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="Also check the built columns in this catalog.json (`phm docs` writes target/catalog.json).")
def lint_command(no_parse: bool, catalog: Optional[Path]) -> None:
    """Layout, naming, grain-test, contract and description rules; one line per violation."""
    from phm.lint import lint_project

    report = lint_project(parse=not no_parse, catalog_path=catalog)
    for violation in report.violations:
        click.echo(str(violation), err=True)
    click.echo(report.coverage.summary(), err=not report.ok)
    if not report.ok:
        click.echo(f"phm: error: {len(report.violations)} lint violation(s) in {report.models} models", err=True)
        raise SystemExit(1)
    click.echo(f"lint ok: {report.models} models follow the layout, naming, test and contract rules")


@click.command("docs")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="Port on 127.0.0.1; 0 picks a free one.")
@click.option("--static", is_flag=True, help="Only write the one self-contained page, target/static_index.html.")
@click.option("--no-generate", is_flag=True, help="Serve the docs already in target/ without regenerating them.")
def docs_command(port: int, static: bool, no_generate: bool) -> None:
    """Generate the dbt docs (lineage, descriptions, exposures) and serve them on 127.0.0.1, offline."""
    from phm import db, docs
    from phm.errors import PhmError

    if static and no_generate:
        raise PhmError("--static and --no-generate cannot be used together.", exit_code=2)
    target = docs.target_dir() if no_generate else docs.generate(db.ensure_running())
    if static:
        page = target / "static_index.html"
        click.echo(f"wrote {page} ({page.stat().st_size / 1e6:.1f} MB): open it in a browser, no server needed")
        return
    click.echo(docs.catalog_note(target))

    def ready(url: str) -> None:
        click.echo(f"serving the docs at {url} (Ctrl-C to stop)")

    docs.serve(target, port, ready)


@click.command("ci")
@click.option("--state", required=True, type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Folder with the production manifest.json (saved from the nightly build).")
@click.option("--schema-prefix", default="ci_", show_default=True,
              help="Build into <prefix><schema> (ci_phm_star, ...) so production is never overwritten.")
def ci_command(state: Path, schema_prefix: str) -> None:
    """Slim CI: build modified models and their children, deferring the rest to production."""
    from phm import db
    from phm.orchestrate import slim_ci

    report = slim_ci(db.ensure_running(), state, schema_prefix=schema_prefix)
    report.print()
    if not report.ok:
        raise SystemExit(1)


@click.group("new")
def new_group() -> None:
    """Scaffold new project files in the right place."""


@new_group.command("mart")
@click.argument("domain")
@click.argument("name")
def new_mart_command(domain: str, name: str) -> None:
    """models/marts/DOMAIN/NAME.sql and its YAML (contract, key test, unit-test stub)."""
    from phm.paths import project_root
    from phm.scaffold import new_mart

    scaffold = new_mart(domain, name)
    root = project_root()
    for path in scaffold.files():
        click.echo(f"created {path.relative_to(root)}")
    click.echo(f"next: replace the TODOs, then `phm lint` and `phm dbt build --select +{name}`")


def register(app: click.Group) -> None:
    for command in (lint_command, docs_command, ci_command, new_group):
        app.add_command(command)
