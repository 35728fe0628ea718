"""Recommendation statuses: user data in the application schema phm_app, which dbt reads and never rebuilds.

`phm recommendation status ID STATUS [--note]` appends one row to phm_app.recommendation_status_history
(the table the dbt on-run-start hook `create_app_tables` creates); the latest row is the recommendation's
status. The ID is dim_recommendation's recommendation_key in the published star; the history is keyed by
the recommendation's natural key (recommendation_code, org_id) so that it outlives every rebuild.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from phm.db import Connection
from phm.errors import PhmError

STATUSES = ("not_started", "accepted", "rejected", "already_doing")


@dataclass(frozen=True)
class Recommendation:
    key: int
    code: str
    org_id: int
    title: str
    status: str
    is_triggered: bool


def _published(pg: psycopg.Connection) -> bool:
    row = pg.execute("select to_regclass('phm_star.dim_recommendation') is not null, "
                     "to_regclass('phm_app.recommendation_status_history') is not null").fetchone()
    return bool(row and row[0] and row[1])


def list_recommendations(conn: Connection) -> list[Recommendation]:
    """Every published recommendation with its live status (the latest change, else not_started)."""
    with conn.connect() as pg:
        if not _published(pg):
            raise PhmError("no recommendations are published yet: run `phm run` first.")
        rows = pg.execute(
            "select r.recommendation_key, r.recommendation_code, o.org_id, r.title, "
            "coalesce(h.status, 'not_started'), r.is_triggered "
            "from phm_star.dim_recommendation r join phm_star.dim_organization o on o.org_key = r.org_key "
            "left join lateral (select status from phm_app.recommendation_status_history h "
            "  where h.recommendation_code = r.recommendation_code and h.org_id = o.org_id "
            "  order by set_at desc, status_change_id desc limit 1) h on true "
            "order by r.recommendation_key").fetchall()
    return [Recommendation(int(k), str(c), int(o), str(t), str(s), bool(trig)) for k, c, o, t, s, trig in rows]


def set_status(conn: Connection, key: int, status: str, note: str | None = None, set_by: str | None = None) -> str:
    """Record a status change for recommendation `key`; returns the one-line confirmation."""
    if status not in STATUSES:
        raise PhmError(f"unknown status '{status}'; use one of: {', '.join(STATUSES)}.")
    with conn.connect(autocommit=False) as pg:
        if not _published(pg):
            raise PhmError("no recommendations are published yet: run `phm run` first.")
        row = pg.execute(
            "select r.recommendation_code, o.org_id, r.title from phm_star.dim_recommendation r "
            "join phm_star.dim_organization o on o.org_key = r.org_key where r.recommendation_key = %s",
            (key,)).fetchone()
        if row is None:
            raise PhmError(f"no recommendation {key}; `phm recommendation list` shows them.")
        code, org_id, title = row
        pg.execute(
            "insert into phm_app.recommendation_status_history (recommendation_code, org_id, status, note, set_by) "
            "values (%s, %s, %s, %s, coalesce(%s, current_user))",
            (code, org_id, status, note, set_by))
        pg.commit()
    return (f"recommendation {key} ({title}): {status}. `phm recommendation list` shows it now, "
            f"the star after the next `phm run`.")
