"""A database of its own for a test or a module: created on the stack's PostgreSQL, then dropped.

Tests that write to PostgreSQL never share a database, so they can run in any
order and leave nothing behind; the per-test fixture (``postgres_dsn`` in
``conftest.py``) and the module-wide worlds of the API tests both take theirs here,
with their settings (a topic prefix of their own) from :func:`fresh_stack_settings`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from complaint_events.settings import Settings


@contextmanager
def stack_database(admin_dsn: str) -> Iterator[str]:
    """A fresh PostgreSQL database on the stack, dropped afterwards; yields its DSN."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    info = conninfo_to_dict(admin_dsn)
    info["dbname"] = name
    try:
        yield make_conninfo(**info)  # type: ignore[arg-type]
    finally:
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def fresh_stack_settings(dsn: str, kafka_bootstrap: str, **overrides: Any) -> Settings:
    """Settings on the real stack: the PostgreSQL store at ``dsn`` and topics under a
    prefix of their own, so no other test's messages reach them."""
    return Settings(
        store="postgres",
        postgres_dsn=dsn,
        kafka_bootstrap=kafka_bootstrap,
        topic_prefix=f"t{uuid.uuid4().hex[:8]}.",
        **overrides,
    )
