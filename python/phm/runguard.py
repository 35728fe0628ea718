"""Honest answers for schedulers: one `phm run` at a time, killed runs marked abandoned, empty selections refused.

- `exclusive(conn)`: a session-level advisory lock held for the whole run. A second `phm run` on the
  same database refuses in one line instead of interleaving with the first.
- Holding the lock proves no other run is alive, so every audit row still `running` belongs to a run
  that was killed or crashed: it is marked `abandoned`, with when it was last seen, and the database
  sessions it left behind (dbt's and the scorer's, recognisable by their application_name) are
  terminated, so they release their locks and roll back.
- `check_selection`: a `--select` that matches no node fails before anything is rebuilt.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Iterator

import psycopg

from phm.db import Connection
from phm.errors import PhmError

# pg_advisory_lock key of `phm run`: the bytes of "phmrun" as a number, so no other tool collides by chance.
RUN_LOCK_KEY = 0x70686D72756E
# application_name of every database session a run opens: libpq reads PGAPPNAME (dbt's profile leaves it empty).
RUN_APPLICATION = "phm run"
LOCK_APPLICATION = "phm run lock"


@contextmanager
def exclusive(conn: Connection) -> Iterator[list[int]]:
    """Hold the run lock for the block; yields the ids of the runs this one found abandoned."""
    from phm import audit

    audit.ensure(conn)
    holder = _lock_session(conn)
    try:
        if not holder.execute("select pg_try_advisory_lock(%s)", (RUN_LOCK_KEY,)).fetchone()[0]:  # type: ignore[index]
            raise PhmError(f"another `phm run` is running on {conn.dbname} ({_running_since(holder)}); "
                           "this one did nothing. Wait for it to finish.")
        abandoned = recover_abandoned(holder)
        saved = os.environ.get("PGAPPNAME")
        os.environ["PGAPPNAME"] = RUN_APPLICATION
        try:
            yield abandoned
        finally:
            if saved is None:
                os.environ.pop("PGAPPNAME", None)
            else:
                os.environ["PGAPPNAME"] = saved
    finally:
        holder.close()  # ends the session, which releases the advisory lock


def _lock_session(conn: Connection) -> psycopg.Connection:
    try:
        return psycopg.connect(host=conn.host, port=conn.port, user=conn.user, password=conn.password or None,
                               dbname=conn.dbname, autocommit=True, connect_timeout=10,
                               application_name=LOCK_APPLICATION)
    except psycopg.OperationalError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else "connection failed"
        raise PhmError(f"cannot connect to PostgreSQL at {conn.host}:{conn.port}: {first}") from None


def _running_since(pg: psycopg.Connection) -> str:
    row = pg.execute("select run_id, started_at from phm_audit.run where status = 'running' "
                     "order by run_id desc limit 1").fetchone()
    return f"audit run {row[0]}, started {row[1]:%Y-%m-%d %H:%M:%S}" if row else "it holds the run lock"


def recover_abandoned(pg: psycopg.Connection) -> list[int]:
    """Mark runs left `running` as abandoned and terminate the sessions they left. Call holding the lock."""
    rows = pg.execute(
        """
        with seen as (
            select run.run_id, greatest(run.started_at, max(step.finished_at)) as last_seen_at
            from phm_audit.run as run
            left join phm_audit.run_step as step on step.run_id = run.run_id
            where run.status = 'running'
            group by run.run_id, run.started_at
        )
        update phm_audit.run as run
        set status = 'abandoned',
            last_seen_at = seen.last_seen_at,
            error = concat_ws(E'\\n', run.error, 'abandoned: the run stopped without finishing (killed or crashed); '
                              || 'last seen ' || to_char(seen.last_seen_at, 'YYYY-MM-DD HH24:MI:SS')
                              || ', found by the next run at ' || to_char(clock_timestamp(), 'YYYY-MM-DD HH24:MI:SS'))
        from seen
        where run.run_id = seen.run_id
        returning run.run_id
        """).fetchall()
    pg.execute("select pg_terminate_backend(pid) from pg_stat_activity "
               "where datname = current_database() and application_name = %s and pid <> pg_backend_pid()",
               (RUN_APPLICATION,))
    return sorted(int(r[0]) for r in rows)


def check_selection(conn: Connection, select: str) -> None:
    """Fail, naming the selector, when `--select` matches no node (dbt itself would build nothing and say ok)."""
    import contextlib
    import io

    from dbt.cli.main import dbtRunner

    from phm.orchestrate import _environ, dbt_environment
    from phm.paths import project_root

    args = ["--quiet", "ls", "--select", select, "--resource-type", "model", "seed", "snapshot", "test",
            "unit_test", "--output", "name", "--project-dir", str(project_root()), "--profiles-dir", str(project_root())]
    with _environ(dbt_environment(conn)), contextlib.redirect_stdout(io.StringIO()):
        result = dbtRunner().invoke(args)
    if result.exception is not None or not result.success:
        detail = " ".join(str(result.exception or "").split())[:200]
        raise PhmError(f"--select '{select}' is not a valid selection" + (f": {detail}" if detail else "."))
    if not result.result:
        raise PhmError(f"--select '{select}' matches no model, seed, snapshot or test; nothing was built.")
