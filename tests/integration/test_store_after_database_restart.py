"""A worker's next read of the event store waits for the database, not for the pool's backoff.

Runs on its own PostgreSQL (it restarts it); see ``private_stack``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from complaint_events.bootstrap import build_cases
from complaint_events.settings import Settings
from private_stack import PrivateStack
from stack_support import file_cases

pytestmark = pytest.mark.integration

# Four dead pooled connections cost 0.1 + 0.15 + 0.23 s of checks; psycopg_pool's own
# delays (1 + 2 + 4 s and a reconnection) cost about 7 s, and a worker watching its
# progress sees a stall.
PROMPT = 3.0


@pytest.fixture
def postgres() -> Iterator[PrivateStack]:
    stack = PrivateStack()
    stack.start("postgres")
    try:
        yield stack
    finally:
        stack.down()


def test_a_read_after_a_database_restart_waits_only_for_the_database(
    postgres: PrivateStack,
) -> None:
    cases = build_cases(Settings(store="postgres", postgres_dsn=postgres.dsn))
    [case_id] = file_cases(cases, 0, 1)
    assert cases.get_case(case_id).id == case_id

    postgres.stop("postgres")
    postgres.start("postgres")  # returns once the database accepts connections
    started = time.monotonic()
    case = cases.get_case(case_id)
    took = time.monotonic() - started

    assert case.id == case_id
    assert took < PROMPT, f"the first read after the restart took {took:.1f} s"
