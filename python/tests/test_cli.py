"""The command line: help, one-line errors with non-zero exits, and the database lifecycle."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PHM = [sys.executable, "-m", "phm"]


def phm(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("PHM_DATABASE_URL", "PGHOST")}
    full_env.update(env or {})
    return subprocess.run([*PHM, *args], capture_output=True, text=True, env=full_env, cwd=cwd, timeout=300)


def assert_one_line_error(result: subprocess.CompletedProcess[str], exit_code: int, fragment: str) -> None:
    assert result.returncode == exit_code, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("phm: error")
    assert fragment in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_help_lists_the_commands() -> None:
    result = phm("--help")
    assert result.returncode == 0
    for command in ("db", "edw", "run", "bench", "summary"):
        assert f"\n  {command} " in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("edw", "generate", "--patients", "0"), "0 is not in the range x>=1"),
        (("edw", "generate", "--patients", "many"), "'many' is not a valid integer"),
        (("edw", "generate", "--profile", "pediatric"), "'pediatric' is not one of 'ambulatory', 'medicare'"),
        (("edw", "generate", "--defects", "0.9"), "0.9 is not in the range 0.0<=x<=0.5"),
        (("frobnicate",), "No such command 'frobnicate'"),
        (("db", "restart"), "No such command 'restart'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: tuple[str, ...], fragment: str) -> None:
    assert_one_line_error(phm(*args), 2, fragment)


def test_unreachable_database_gives_one_line_and_exit_1() -> None:
    # port 1 on loopback: nothing listens there
    result = phm("edw", "init", env={"PHM_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nowhere"})
    assert_one_line_error(result, 1, "Cannot connect to PostgreSQL at 127.0.0.1:1")


def test_invalid_database_url_gives_one_line() -> None:
    result = phm("db", "status", env={"PHM_DATABASE_URL": "postgresql://a@b:notaport/x"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1


def test_embedded_lifecycle_messages(tmp_path: Path) -> None:
    """Start twice, stop twice, and a stale pid file: each a clear one-line message."""
    project = tmp_path / "proj"
    project.mkdir()
    (project / "dbt_project.yml").write_text("name: scratch\n")
    env = {"PHM_PROJECT_DIR": str(project)}
    first = phm("db", "start", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Database started on 127.0.0.1:")
    try:
        again = phm("db", "start", env=env)
        assert again.returncode == 0
        assert again.stdout.startswith("Database already running on 127.0.0.1:")
        status = phm("db", "status", env=env)
        assert status.returncode == 0 and status.stdout.startswith("Database running")
        url = phm("db", "url", env=env)
        assert url.stdout.strip().startswith("postgresql://phm:***@127.0.0.1:")
        psql = phm("db", "psql", "-tAc", "select 40 + 2", env=env)
        assert psql.stdout.strip() == "42"
        # the server log can hold statement text (PHI): the server user's alone
        log = (project / ".phm" / "postgres.log").resolve()
        assert log.stat().st_size > 0 and log.stat().st_mode & 0o777 == 0o600
    finally:
        stopped = phm("db", "stop", env=env)
    assert stopped.stdout.strip() == "Database stopped."
    assert phm("db", "stop", env=env).stdout.strip() == "Database is not running."
    status = phm("db", "status", env=env)
    assert status.returncode == 3 and "stopped" in status.stdout
    # a crash leaves postmaster.pid behind, naming a process that no longer exists
    pid_file = project / ".phm" / "pgdata" / "postmaster.pid"
    pid_file.write_text("4000000\n")
    log.chmod(0o644)  # as an older version left it: the next start takes read access away again
    assert "stale pid file" in phm("db", "status", env=env).stdout
    restarted = phm("db", "start", env=env)
    try:
        assert restarted.returncode == 0, restarted.stderr
        assert "removed a stale pid file (process 4000000 is not running)" in restarted.stdout
        assert log.stat().st_mode & 0o777 == 0o600
    finally:
        phm("db", "stop", env=env)
        data = project / ".phm" / "pgdata"
        if data.is_symlink():  # root: the cluster lived outside the unreadable temp folder
            shutil.rmtree(data.resolve(), ignore_errors=True)
            data.resolve().with_suffix(".log").unlink(missing_ok=True)
