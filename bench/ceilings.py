"""Ceilings: how fast Kafka and PostgreSQL move messages and rows shaped like our events.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/ceilings.py --n 100000

What no complaint-events component can beat on this machine, measured in the
same run: the relay's producer (same configuration, same topic settings) with
nothing to do but send, a plain consumer reading the messages back, COPY into
a table created by eventsourcing's own PostgreSQL recorder, and single-row
INSERT transactions (one commit each) into another such table.

The payloads are real: a few hundred complaints are filed, acknowledged and
triaged in an embedded (SQLite) case store, and their stored events and
published envelopes are cycled through, so sizes and lz4 compression match
what the relay sends and what the event store holds.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg
from eventsourcing.postgres import PostgresFactory
from eventsourcing.utils import Environment
from kafka import KafkaConsumer, TopicPartition
from psycopg import sql
from support import (
    Figure,
    HelpFormatter,
    delete_topics,
    fresh_database,
    intake_message,
    print_figures,
    write_results,
)

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.application.cases import CaseCommand
from complaint_events.bootstrap import build_cases, build_producer, store_env
from complaint_events.contracts.envelope import kafka_headers
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.relay import NOTIFICATION_HEADER, _is_case_event
from complaint_events.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "ceilings.json"
SAMPLE_CASES = 300  # x 3 events: enough distinct payloads that lz4 sees no repeats in a batch
INSERT_TXN_LIMIT = 5000
INSERT_TXN_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class SampleEvent:
    """One real case event: as the relay publishes it and as the event store holds it."""

    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    version: int
    topic: str
    state: bytes


def sample_events(cases: int = SAMPLE_CASES) -> list[SampleEvent]:
    """Events of ``cases`` complaints, each filed, acknowledged and triaged (embedded store)."""
    with tempfile.TemporaryDirectory(prefix="ceilings-") as tmp:
        app = build_cases(Settings(store="sqlite", sqlite_path=Path(tmp) / "sample.sqlite"))
        try:
            intakes = [IntakeMessageV1.model_validate(intake_message(n)) for n in range(cases)]
            filed = app.file_complaints(
                [(m.to_details(), Acting(f"adapter:{m.channel.value}", m.received_at))
                 for m in intakes]
            )  # fmt: skip
            commands = []
            for outcome, message in zip(filed, intakes, strict=True):
                system = Acting("system:bench", message.received_at)
                commands += [
                    CaseCommand(f"{outcome.case_id}:ack", outcome.case_id,
                                lambda c, by=system: c.acknowledge(
                                    notification_id="n", language="zh", soothing=False, by=by)),
                    CaseCommand(f"{outcome.case_id}:triage", outcome.case_id,
                                lambda c, by=system: c.triage(
                                    route="quality", queue="quality", fast_track=False,
                                    burden_of_proof_on_merchant=False, distress=False,
                                    rule_refs=[], by=by)),
                ]  # fmt: skip
            app.apply_commands(commands)
            samples = []
            position = 0
            while batch := app.recorder.select_notifications(
                start=position, limit=1000, inclusive_of_start=False
            ):
                for notification in batch:
                    position = notification.id
                    if not _is_case_event(notification):
                        continue  # the problem index and the like: never published
                    envelope = to_envelope(app.mapper.to_domain_event(notification))
                    samples.append(
                        SampleEvent(
                            key=envelope.kafka_key(),
                            value=to_json_bytes(envelope),
                            headers=[*kafka_headers(envelope),
                                     (NOTIFICATION_HEADER, str(notification.id).encode())],
                            version=notification.originator_version,
                            topic=notification.topic,
                            state=notification.state,
                        )
                    )  # fmt: skip
        finally:
            app.close()
    if not samples:
        raise RuntimeError("the sample store published no case events")
    return samples


def kafka_ceilings(bootstrap: str, samples: list[SampleEvent], n: int, keep: bool) -> list[Figure]:
    """Produce ``n`` messages with the relay's producer, then read them all back."""
    prefix = f"bench{uuid.uuid4().hex[:8]}."
    settings = Settings(kafka_bootstrap=bootstrap, topic_prefix=prefix, partitions=3)
    topic = settings.topic(EVENTS_TOPIC)
    try:
        ensure_topics(settings)  # the events topic with the project's own settings
        producer = build_producer(settings)  # exactly the relay's configuration
        try:
            producer.partitions_for(topic)  # metadata first: not part of the rate
            started = time.perf_counter()
            for i in range(n):
                s = samples[i % len(samples)]
                producer.send(topic, key=s.key, value=s.value, headers=s.headers)
            producer.flush()
            produce_seconds = time.perf_counter() - started
        finally:
            producer.close()
        payload = sum(len(samples[i % len(samples)].value) for i in range(n))
        consume_seconds, consumed = consume_all(bootstrap, topic, n)
    finally:
        if keep:
            print(f"kept topics {prefix}*")
        else:
            delete_topics(bootstrap, prefix)
    mean = payload / n
    return [
        Figure("ceiling.kafka_produce", "Kafka produce (relay's producer config)",
               n / produce_seconds, "msg/s",
               f"{payload / produce_seconds / 1e6:.1f} MB/s of values, mean value {mean:,.0f} B, "
               "acks=all, idempotent, lz4, linger 5 ms, batch 256 KiB, keyed by case id, "
               f"3 partitions; one flush at the end; {n:,} msgs in {produce_seconds:.2f} s"),
        Figure("ceiling.kafka_consume", "Kafka consume (assigned, from the beginning)",
               consumed / consume_seconds, "msg/s",
               f"{payload / consume_seconds / 1e6:.1f} MB/s; group_id None, no decoding; "
               f"{consumed:,} msgs in {consume_seconds:.2f} s"),
    ]  # fmt: skip


def consume_all(bootstrap: str, topic: str, n: int) -> tuple[float, int]:
    """Seconds to read ``n`` messages from every partition of ``topic``, and how many were read."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        consumed = 0
        started = time.perf_counter()
        deadline = time.monotonic() + 120
        while consumed < n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"read only {consumed:,} of {n:,} messages from {topic}")
            for records in consumer.poll(timeout_ms=500, max_records=10_000).values():
                consumed += len(records)
        return time.perf_counter() - started, consumed
    finally:
        consumer.close()


def events_table(dsn: str, name: str) -> str:
    """Create ``<name>_events`` with eventsourcing's own recorder; return the table name."""
    env = store_env(Settings(store="postgres", postgres_dsn=dsn))
    factory = PostgresFactory(Environment(name, env))
    try:
        factory.application_recorder()  # CREATE TABLE … as the project's store has it
    finally:
        factory.close()
    return f"{name.lower()}_events"


def postgres_ceilings(
    admin_dsn: str, samples: list[SampleEvent], n: int, keep: bool
) -> list[Figure]:
    """COPY ``n`` event rows in one transaction; then single-row INSERT transactions."""
    with fresh_database(admin_dsn, keep) as dsn:
        copy_table = events_table(dsn, "CeilingCopy")
        txn_table = events_table(dsn, "CeilingInsert")
        # Fresh random ids, as the store's case ids are: the primary key index sees real spread.
        rows = [
            (uuid.uuid4(), s.version, s.topic, s.state)
            for s in (samples[i % len(samples)] for i in range(n))
        ]
        mean = sum(len(r[3]) for r in rows) / n
        columns = sql.SQL("originator_id, originator_version, topic, state")
        with psycopg.connect(dsn) as conn:
            started = time.perf_counter()
            with conn.cursor() as cur:
                copy_sql = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(copy_table), columns
                )
                with cur.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
            conn.commit()
            copy_seconds = time.perf_counter() - started

            insert = sql.SQL(
                "INSERT INTO {} ({}) VALUES (%s, %s, %s, %s) RETURNING notification_id"
            ).format(sql.Identifier(txn_table), columns)
            limit = min(n, INSERT_TXN_LIMIT)
            done = 0
            started = time.perf_counter()
            with conn.cursor() as cur:
                while done < limit and time.perf_counter() - started < INSERT_TXN_SECONDS:
                    cur.execute(insert, rows[done], prepare=True)
                    conn.commit()
                    done += 1
            txn_seconds = time.perf_counter() - started
            settings: dict[str, str] = dict(
                conn.execute(
                    "SELECT name, setting FROM pg_settings "
                    "WHERE name IN ('synchronous_commit', 'fsync', 'wal_level')"
                ).fetchall()
            )
    server = ", ".join(f"{k}={v}" for k, v in sorted(settings.items()))
    return [
        Figure("ceiling.pg_copy", "PostgreSQL COPY into an events table", n / copy_seconds,
               "rows/s", f"psycopg cursor.copy, one transaction, {n:,} rows of mean state "
               f"{mean:,.0f} B ({n * mean / copy_seconds / 1e6:.1f} MB/s) in {copy_seconds:.2f} s; "
               "table, PK and notification_id index as eventsourcing creates them"),
        Figure("ceiling.pg_insert_txn", "PostgreSQL single-row INSERT transactions",
               done / txn_seconds, "txn/s",
               f"one row per commit, prepared, {done:,} txns in {txn_seconds:.2f} s; "
               f"no LOCK TABLE (eventsourcing takes one per write); {server}"),
    ]  # fmt: skip


def measure(kafka_bootstrap: str, admin_dsn: str, n: int, keep: bool = False) -> list[Figure]:
    """The four ceilings: Kafka produce and consume, PostgreSQL COPY and INSERT transactions."""
    if n < 1:
        raise ValueError("n must be at least 1")
    samples = sample_events()
    return [
        *kafka_ceilings(kafka_bootstrap, samples, n, keep),
        *postgres_ceilings(admin_dsn, samples, n, keep),
    ]


def save(figures: list[Figure], n: int) -> None:
    write_results(
        RESULTS,
        {"benchmark": "ceilings: Kafka produce/consume, PostgreSQL COPY/INSERT", "n": n},
        figures,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="Kafka and PostgreSQL come from COMPLAINTS_KAFKA_BOOTSTRAP and "
        "COMPLAINTS_POSTGRES_DSN (a fresh database is created on that server and dropped "
        "afterwards; topics get a unique prefix and are deleted afterwards).",
        formatter_class=HelpFormatter,
    )
    parser.add_argument(
        "--n", "--cases", dest="n", type=int, default=100_000,
        help="messages to produce and consume, and rows to COPY (INSERT transactions: "
        f"at most {INSERT_TXN_LIMIT:,} or {INSERT_TXN_SECONDS:.0f} s)",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the database and topics")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    settings = Settings()
    figures = measure(settings.kafka_bootstrap, settings.postgres_dsn, args.n, args.keep)
    print_figures(f"Ceilings ({args.n:,} messages / rows)", figures)
    save(figures, args.n)


if __name__ == "__main__":
    main()
