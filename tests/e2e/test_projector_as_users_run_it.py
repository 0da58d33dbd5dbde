"""The projector and the rebuild as operators run them, on the real Kafka and PostgreSQL.

A projector SIGKILLed in the middle of its work and started again ends with
exactly the rows a clean rebuild gives; and queries keep answering, with the
whole data, while a rebuild runs next to them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from typing import Any

import psycopg
import pytest
from psycopg import sql

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import POSITIONS_TABLE
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA
from complaint_events.projections.rebuild import rebuild
from complaint_events.settings import Settings
from stack_support import file_cases, topic_size
from waiting import wait_until
from worker_support import CLI

pytestmark = pytest.mark.e2e

CASES = 1200


@pytest.fixture
def published(stack_settings: Settings) -> int:
    """CASES cases (three events each) in the store and on the events topic."""
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    file_cases(cases, 0, CASES)
    relay = build_relay(stack_settings, cases)
    relay.start()
    while relay.run_once():
        pass
    return topic_size(stack_settings.kafka_bootstrap, stack_settings.topic(EVENTS_TOPIC))


def env_of(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "COMPLAINTS_POSTGRES_DSN": settings.postgres_dsn,
        "COMPLAINTS_KAFKA_BOOTSTRAP": settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": settings.topic_prefix,
    }


def projected(dsn: str) -> dict[str, int]:
    """Events applied so far, per projection (sum of next offsets over partitions)."""
    try:
        with psycopg.connect(dsn) as conn:
            found = conn.execute(
                sql.SQL("SELECT projection, sum(next_offset) FROM {} GROUP BY projection").format(
                    sql.Identifier(POSITIONS_TABLE)
                )
            ).fetchall()
    except psycopg.errors.UndefinedTable:
        return {}
    return {name: int(total) for name, total in found}


def snapshot(dsn: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn) as conn:
        return {
            spec.name: conn.execute(
                sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3").format(spec.identifier)
            ).fetchall()
            for projection in ALL_PROJECTIONS
            for spec in projection.tables
        }


def test_a_projector_killed_mid_stream_ends_with_the_rows_of_a_clean_rebuild(
    stack_settings: Settings, published: int, tmp_path: Any
) -> None:
    dsn = stack_settings.postgres_dsn
    command = [str(CLI), "projections", "run", "--batch-size", "50"]
    log = (tmp_path / "projector.log").open("wb")
    first = subprocess.Popen(command, env=env_of(stack_settings), stdout=log, stderr=log)
    try:
        wait_until(
            lambda: min(projected(dsn).values() or [0]) > published // 4,
            timeout=120,
            what="the projector part of the way through",
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
    assert min(projected(dsn).values()) < published, "killed too late to be mid-stream"

    second = subprocess.Popen(command, env=env_of(stack_settings), stdout=log, stderr=log)
    try:
        wait_until(
            lambda: (
                len(done := projected(dsn)) == len(ALL_PROJECTIONS)
                and min(done.values()) >= published
            ),
            timeout=120,
            what="the restarted projector caught up",
        )
        after_restart = snapshot(dsn)
    finally:
        second.send_signal(signal.SIGTERM)
        assert second.wait(timeout=30) == 0

    rebuild(
        dsn,
        KafkaClients(stack_settings),
        stack_settings.topic(EVENTS_TOPIC),
        list(ALL_PROJECTIONS),
    )
    assert snapshot(dsn) == after_restart
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT count(*) FROM read_models.case_summary").fetchone() == (CASES,)
        # The shadows were swapped in inside the schema: only the live tables are left
        # there, commented as they were created, and none in the default schema.
        in_schema = conn.execute(
            "SELECT tablename, obj_description(format('%%I.%%I', schemaname, tablename)::regclass)"
            " FROM pg_tables WHERE schemaname = %s",
            (READ_MODELS_SCHEMA,),
        ).fetchall()
        live = {spec.name for projection in ALL_PROJECTIONS for spec in projection.tables}
        assert {name for name, _ in in_schema} == live
        assert all(comment for _, comment in in_schema), in_schema
        in_public = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        assert live & {name for (name,) in in_public} == set()


def test_queries_keep_answering_with_the_whole_data_during_a_rebuild(
    stack_settings: Settings, published: int
) -> None:
    dsn = stack_settings.postgres_dsn
    topic = stack_settings.topic(EVENTS_TOPIC)
    rebuild(dsn, KafkaClients(stack_settings), topic, list(ALL_PROJECTIONS))
    answers: list[int] = []
    failures: list[BaseException] = []

    def rebuild_again() -> None:
        try:
            rebuild(dsn, KafkaClients(stack_settings), topic, list(ALL_PROJECTIONS), batch_size=100)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            failures.append(error)

    worker = threading.Thread(target=rebuild_again)
    worker.start()
    with psycopg.connect(dsn, autocommit=True) as conn:
        while worker.is_alive():
            row = conn.execute("SELECT count(*) FROM read_models.case_summary").fetchone()
            assert row is not None
            answers.append(row[0])
    worker.join()
    assert not failures
    assert len(answers) > 5, "the rebuild finished before any query could run beside it"
    assert set(answers) == {CASES}
