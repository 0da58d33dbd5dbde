"""Fixtures shared by the whole suite: the real stack's coordinates, fresh databases, topics."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from complaint_events.settings import Settings
from database_support import fresh_stack_settings, stack_database

# Every process a test starts shares one secrets file of the run's own, never the
# user's (~/.config/complaint-events/secrets.json).
os.environ.setdefault(
    "COMPLAINTS_SECRETS_FILE",
    str(Path(tempfile.mkdtemp(prefix="complaint-events-tests-")) / "secrets.json"),
)

STACK_HINT = 'start the local stack first: scripts/devstack up && eval "$(scripts/devstack env)"'


@pytest.fixture(scope="session")
def postgres_admin_dsn() -> str:
    """The DSN of the running PostgreSQL (from COMPLAINTS_POSTGRES_DSN)."""
    dsn = os.environ.get("COMPLAINTS_POSTGRES_DSN", Settings().postgres_dsn)
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL at {dsn} is not reachable ({error}); {STACK_HINT}")
    return dsn


@pytest.fixture
def postgres_dsn(postgres_admin_dsn: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    with stack_database(postgres_admin_dsn) as dsn:
        yield dsn


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """The bootstrap servers of the running broker (from COMPLAINTS_KAFKA_BOOTSTRAP)."""
    bootstrap = os.environ.get("COMPLAINTS_KAFKA_BOOTSTRAP", Settings().kafka_bootstrap)
    try:
        KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=5000).close()
    except KafkaError:
        pytest.fail(f"Kafka at {bootstrap} is not reachable; {STACK_HINT}")
    return bootstrap


@pytest.fixture
def stack_settings(postgres_dsn: str, kafka_bootstrap: str) -> Settings:
    """Settings for a test on the real stack: its own database and its own topics."""
    return fresh_stack_settings(postgres_dsn, kafka_bootstrap, partitions=3)


_SLOWEST_FIRST = ("reliability", "e2e", "integration", "unit")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The slow folders first, so that parallel workers (``scripts/test`` runs pytest-xdist)
    do not end with one of them still running the chaos run while the others wait."""

    def rank(item: pytest.Item) -> int:
        parts = item.path.relative_to(Path(__file__).parent).parts
        return _SLOWEST_FIRST.index(parts[0]) if parts[0] in _SLOWEST_FIRST else len(_SLOWEST_FIRST)

    items.sort(key=rank)
