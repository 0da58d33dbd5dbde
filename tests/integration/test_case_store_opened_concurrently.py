"""Processes opening one event store at the same moment all get it.

Opening the store creates its tables and functions if missing; PostgreSQL
refuses the loser of two concurrent creations ("tuple concurrently updated",
"… already exists"): workers started together on a new database, or a worker
restarting while ``complaint-events health`` ran (which failed a chaos run).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from complaint_events.bootstrap import build_cases
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration

OPENERS = 6
ROUNDS = 4


@pytest.fixture
def fresh_databases(postgres_admin_dsn: str) -> Iterator[list[str]]:
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(ROUNDS)]
    with psycopg.connect(postgres_admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = conninfo_to_dict(postgres_admin_dsn)
    yield [make_conninfo(**{**info, "dbname": name}) for name in names]  # type: ignore[arg-type]
    with psycopg.connect(postgres_admin_dsn, autocommit=True) as conn:
        for name in names:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def test_many_openers_of_a_new_store_at_once_all_get_it(fresh_databases: list[str]) -> None:
    for dsn in fresh_databases:
        settings = Settings(store="postgres", postgres_dsn=dsn)
        start = threading.Barrier(OPENERS)
        failures: list[BaseException] = []

        def open_store(
            settings: Settings = settings,
            start: threading.Barrier = start,
            failures: list[BaseException] = failures,
        ) -> None:
            start.wait()
            try:
                build_cases(settings).close()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                failures.append(error)

        threads = [threading.Thread(target=open_store) for _ in range(OPENERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert not failures, failures
