"""A pipeline's sync sends the whole pipeline before it waits for the results.

One statement with a parameter of some megabytes (how eventsourcing saves a
transaction's events: one INSERT of an array) is more than the socket takes at
once; psycopg 3.3.9's ``Pipeline.sync()`` then waited for ever, the end of the
statement still in libpq's buffer (``adapters/pipeline_flush.py``). This one
hung on every try without the fix.
"""

from __future__ import annotations

import os
import threading

import psycopg
import pytest

from complaint_events.adapters.pipeline_flush import flush_before_pipeline_sync

pytestmark = pytest.mark.integration

ROWS = 6_000
ROW_BYTES = 1_000  # 6 MB in one parameter
PATIENCE = 60.0  # seconds; it takes under a second


def test_a_sync_after_a_statement_of_megabytes_gets_its_results(postgres_dsn: str) -> None:
    flush_before_pipeline_sync()
    ids: list[int] = []

    def insert() -> None:
        with psycopg.connect(postgres_dsn) as conn:
            conn.execute("CREATE TABLE big (id serial PRIMARY KEY, payload bytea)")
            conn.commit()
            with conn.pipeline() as pipeline, conn.transaction(), conn.cursor() as cursor:
                # As eventsourcing saves: the table locked, then one INSERT of an array.
                cursor.execute("LOCK TABLE big IN EXCLUSIVE MODE")
                cursor.execute(
                    "INSERT INTO big (payload) SELECT unnest(%s::bytea[]) RETURNING id",
                    ([os.urandom(ROW_BYTES) for _ in range(ROWS)],),
                )
                pipeline.sync()
                ids.extend(row[0] for row in cursor.fetchall())

    worker = threading.Thread(target=insert, daemon=True)
    worker.start()
    worker.join(PATIENCE)
    assert not worker.is_alive(), f"the pipeline's sync did not return in {PATIENCE:.0f} s"
    assert sorted(ids) == list(range(1, ROWS + 1))


def test_the_fix_is_applied_once_however_often_it_is_asked_for() -> None:
    flush_before_pipeline_sync()
    applied = psycopg._pipeline_base.BasePipeline._sync_gen
    flush_before_pipeline_sync()
    assert psycopg._pipeline_base.BasePipeline._sync_gen is applied
