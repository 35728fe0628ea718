"""Shared fixtures: the project's own PostgreSQL (embedded, or PHM_DATABASE_URL when set on purpose).

Every test that touches a database works in a database of its own, created afresh for the session
(`phm_test`, ...), never in the demo database and never in a server the machine happens to have running.

A whole nightly build costs 75-100 s whatever the EDW's size (dbt runs and tests
some 900 nodes), so the end-to-end modules share one: `star` generates a 1,500-patient EDW and
builds it once per session, and each module that changes the warehouse works on a fresh copy
(`copy_star`, PostgreSQL's CREATE DATABASE ... TEMPLATE, a few seconds).
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from phm import db
from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import generate_and_load
from tests_support import AS_OF, STAR_PATIENTS, STAR_SEED, build

STAR_TEMPLATE = "phm_test_star"


@pytest.fixture(scope="session")
def server() -> Connection:
    return db.ensure_running()


@pytest.fixture(scope="session")
def test_db(server: Connection) -> Connection:
    return db.create_database(server, "phm_test", recreate=True)


@pytest.fixture(scope="session")
def star(server: Connection, test_db: Connection) -> Iterator[Connection]:
    """A clean generated EDW (1,500 patients, seed 33) through the whole nightly, every test green, published.

    Built in `phm_test`, then kept as `phm_test_star`: read it there, never change it. A module that changes
    the EDW or the star takes a fresh copy (`copy_star`)."""
    ddl.init_schema(test_db, reset=True)
    generate_and_load(test_db, STAR_PATIENTS, seed=STAR_SEED, as_of=AS_OF, progress=False)
    build(test_db)
    yield db.copy_database(server, test_db.dbname, STAR_TEMPLATE)
    db.drop_database(server, STAR_TEMPLATE)


@pytest.fixture(scope="session")
def copy_star(server: Connection, test_db: Connection, star: Connection) -> Callable[[], Connection]:
    """`copy_star()`: `phm_test` replaced by a copy of the session's built warehouse.

    Always the same database name: dbt's partial parse keys on the connection's database, and a full
    parse costs some 8 seconds per change of name."""

    def copy() -> Connection:
        return db.copy_database(server, STAR_TEMPLATE, test_db.dbname)

    return copy
