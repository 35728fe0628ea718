"""`phm edw simulate-day`: one deterministic day of EDW change, with every kind of change in the planned numbers."""

from __future__ import annotations

from datetime import date

import pytest

from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import edw_checksum, generate_and_load
from phm.edw.simulate import plan_counts, simulate_day
from tests_support import AS_OF

DAY = date(2026, 7, 1)  # the day after AS_OF


def test_plan_counts_by_hand() -> None:
    # 300 living patients, 2%: 6 visits, 3 gaps opened and closed, 1 PCP move (0.6 rounded up) ...
    assert plan_counts(300, 0.02) == {
        "visits": 6, "gaps_opened": 3, "gaps_closed": 3, "pcp_moves": 1, "renames": 1, "deaths": 1,
        "corrections": 3, "retractions": 1, "deleted_observations": 1, "deleted_encounters": 1, "deleted_patients": 1}


@pytest.fixture(scope="module")
def fresh(test_db: Connection) -> Connection:
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, 300, seed=8, as_of=AS_OF, progress=False)
    return test_db


def _foreign_key_orphans(pg) -> int:  # type: ignore[no-untyped-def]
    """Rows whose foreign key points at nothing, over every FK of phm_edw (independent of simulate.py)."""
    total = 0
    for child, column, parent, parent_column in pg.execute(
            "select c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, pa.attname "
            "from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1] "
            "join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = c.confkey[1] "
            "where c.contype = 'f' and c.connamespace = 'phm_edw'::regnamespace").fetchall():
        total += pg.execute(f"select count(*) from {child} x where x.{column} is not null and not exists "
                            f"(select 1 from {parent} p where p.{parent_column} = x.{column})").fetchone()[0]
    return total


def test_a_day_changes_what_was_asked_and_keeps_the_keys(fresh: Connection) -> None:
    before = edw_checksum(fresh)
    with fresh.connect() as pg:
        living = pg.execute("select count(*) from phm_edw.patient where active_ind = 'Y'").fetchone()[0]
        n_enc = pg.execute("select count(*) from phm_edw.encounter").fetchone()[0]
    result = simulate_day(fresh, DAY, fraction=0.02, seed=1)
    assert result.living_patients == living
    plan = plan_counts(living, 0.02)
    assert result.counts == plan
    with fresh.connect() as pg:
        visits = pg.execute("select count(*) from phm_edw.encounter where encounter_datetime::date = %s", (DAY,)).fetchone()[0]
        dx_today = pg.execute("select count(*) from phm_edw.condition_diagnosis where onset_date = %s", (DAY,)).fetchone()[0]
        deaths = pg.execute("select count(*) from phm_edw.patient where effective_end_date = %s", (DAY,)).fetchone()[0]
        retracted = pg.execute("select count(*) from phm_edw.observation where active_ind = 'N' and updated_date::date = %s",
                               (DAY,)).fetchone()[0]
        moved = pg.execute("select count(*) from phm_edw.patient_attribution where attribution_start_date = %s",
                           (DAY,)).fetchone()[0]
        gaps_opened = pg.execute("select count(*) from phm_edw.care_gap where created_date::date = %s", (DAY,)).fetchone()[0]
        gaps_closed = pg.execute("select count(*) from phm_edw.care_gap where resolved_date::date = %s", (DAY,)).fetchone()[0]
        patients_after = pg.execute("select count(*) from phm_edw.patient").fetchone()[0]
        orphans = _foreign_key_orphans(pg)
    # the deleted patient may be one of today's visitors, and a deleted encounter one of today's
    assert plan["visits"] - 2 <= visits <= plan["visits"]
    assert dx_today == visits
    assert deaths == plan["deaths"]
    assert retracted == plan["retractions"]
    assert moved == plan["pcp_moves"]
    assert plan["gaps_opened"] - 1 <= gaps_opened <= plan["gaps_opened"]
    assert plan["gaps_closed"] - 1 <= gaps_closed <= plan["gaps_closed"]
    assert patients_after == 300 - plan["deleted_patients"]
    assert result.deleted["patient"] == plan["deleted_patients"]
    assert result.deleted["encounter"] >= plan["deleted_encounters"]
    assert orphans == 0
    assert edw_checksum(fresh) != before
    assert n_enc > 0


def test_same_day_and_seed_same_edw(test_db: Connection) -> None:
    sums = []
    for seed in (1, 1, 2):
        ddl.init_schema(test_db, reset=True)
        generate_and_load(test_db, 200, seed=8, as_of=AS_OF, progress=False)
        simulate_day(test_db, DAY, fraction=0.03, seed=seed)
        simulate_day(test_db, None, fraction=0.03, seed=seed)  # the next day
        sums.append(edw_checksum(test_db))
    assert sums[0] == sums[1] != sums[2]
