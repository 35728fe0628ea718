"""`phm docs`: dbt's documentation site (lineage, descriptions, exposures), served locally and offline.

`dbt docs generate` writes target/index.html, manifest.json and catalog.json (column types read
from the database); the page loads the two JSON files next to it and nothing from the internet
(usage tracking is off: the project sets send_anonymous_usage_stats false). It also writes
target/static_index.html with both files inlined: one file to mail or attach to a ticket.

Whether every node and column is described is `phm lint` (with `--catalog target/catalog.json`
after this, for the columns of the built relations too).
"""

from __future__ import annotations

from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable

from phm.db import Connection
from phm.errors import PhmError
from phm.lint import load_json
from phm.orchestrate import run_dbt
from phm.paths import project_root

HOST = "127.0.0.1"


def target_dir() -> Path:
    return project_root() / "target"


def generate(conn: Connection) -> Path:
    """`dbt docs generate --static` against the database; returns the target folder.

    One run writes both the served site (index.html, manifest.json, catalog.json) and the single
    self-contained page (static_index.html).
    """
    step = run_dbt(conn, ["docs", "generate", "--static"], "docs generate", show_progress=False)
    if not step.ok:
        raise PhmError(f"dbt docs generate failed: {'; '.join(step.failures) or 'see logs/dbt.log'}")
    return target_dir()


def catalog_note(target: Path) -> str:
    """How many of the project's relations the catalog found built (column types come from them)."""
    manifest = load_json(target / "manifest.json", "manifest.json")
    catalog = load_json(target / "catalog.json", "catalog.json")
    relational = [uid for uid, n in manifest["nodes"].items()
                  if n["resource_type"] in ("model", "seed", "snapshot")
                  and n["config"].get("materialized") != "ephemeral"]
    built = sum(1 for uid in relational if uid in catalog["nodes"])
    models = sum(1 for n in manifest["nodes"].values() if n["resource_type"] == "model")
    return (f"{models} models, {len(manifest['sources'])} sources, {len(manifest['exposures'])} exposures; "
            f"catalog: {built} of {len(relational)} relations built")


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        pass


def serve(target: Path, port: int, on_ready: Callable[[str], None]) -> None:
    """Serve the docs folder on 127.0.0.1:port until interrupted (Ctrl-C)."""
    if not (target / "index.html").is_file() or not (target / "manifest.json").is_file():
        raise PhmError(f"no generated docs in {target}; run `phm docs` without --no-generate.")
    handler = partial(_QuietHandler, directory=str(target))
    try:
        server = ThreadingHTTPServer((HOST, port), handler)
    except OSError as exc:
        raise PhmError(f"cannot serve on {HOST}:{port} ({exc.strerror}); choose another --port.") from None
    with server:
        on_ready(f"http://{HOST}:{server.server_address[1]}")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
