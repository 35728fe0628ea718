"""Shared fixtures: the project's own PostgreSQL (embedded, or PHM_DATABASE_URL when set on purpose).

Every test that touches a database works in `phm_test`, created afresh for the session, never
in the demo database and never in a server the machine happens to have running.
"""

from __future__ import annotations

import pytest

from phm import db
from phm.db import Connection


@pytest.fixture(scope="session")
def server() -> Connection:
    return db.ensure_running()


@pytest.fixture(scope="session")
def test_db(server: Connection) -> Connection:
    return db.create_database(server, "phm_test", recreate=True)
