"""Shared fixtures: the project's own PostgreSQL (embedded, or PHM_DATABASE_URL when set on purpose).

Every test that touches a database works in a database of its own, created afresh for the session
(`phm_test`, ...), never in the demo database and never in a server the machine happens to have running.

A whole nightly build costs about a minute and a half whatever the EDW's size (dbt runs and tests
some 900 nodes), so the end-to-end modules share one: `star` generates a 1,500-patient EDW and
builds it once per session, and each module that changes the warehouse works on its own copy
(`copy_star`, PostgreSQL's CREATE DATABASE ... TEMPLATE, a few seconds).
"""

from __future__ import annotations

from typing import Callable, Iterator

import pytest

from phm import db
from phm.db import Connection
from phm.edw import ddl
from phm.edw.generate import generate_and_load
from tests_support import AS_OF, STAR_PATIENTS, STAR_SEED, Star, build

STAR_DATABASE = "phm_test_star"


@pytest.fixture(scope="session")
def server() -> Connection:
    return db.ensure_running()


@pytest.fixture(scope="session")
def test_db(server: Connection) -> Connection:
    return db.create_database(server, "phm_test", recreate=True)


@pytest.fixture(scope="session")
def star(server: Connection) -> Iterator[Star]:
    """A clean generated EDW (1,500 patients, seed 33) through the whole nightly, every test green, published.

    Read it, never change it: a module that changes the EDW or the star takes a copy (`copy_star`)."""
    conn = db.create_database(server, STAR_DATABASE, recreate=True)
    ddl.init_schema(conn, reset=True)
    generate_and_load(conn, STAR_PATIENTS, seed=STAR_SEED, as_of=AS_OF, progress=False)
    build(conn)
    yield Star(conn)
    db.drop_database(server, STAR_DATABASE)


@pytest.fixture(scope="session")
def copy_star(server: Connection, star: Star) -> Iterator[Callable[[str], Connection]]:
    """`copy_star(name)`: a database `name` holding a copy of the session's built warehouse."""
    made: list[str] = []

    def copy(name: str) -> Connection:
        made.append(name)
        return db.copy_database(server, STAR_DATABASE, name)

    yield copy
    for name in made:
        db.drop_database(server, name)
