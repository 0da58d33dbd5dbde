"""The peer: eventsourcing's own process system doing file -> acknowledge -> project.

    scripts/devstack up && eval "$(scripts/devstack env)"
    .venv/bin/python bench/peer_eventsourcing.py --n 5000

The same N complaints (``support.intake_message``) go through a system built
the way the eventsourcing library documents it, on the same PostgreSQL:

- ``Intake`` (an Application) files one ``Complaint`` aggregate per complaint,
  500 aggregates per ``save()`` (one transaction);
- ``Acknowledger`` (a ProcessApplication following Intake) records an
  ``Acknowledgement`` aggregate for every ``Complaint.Filed``;
- ``Projector`` (a ProcessApplication following both) keeps a real read-model
  table, ``case_summary``, written by its process recorder in the same
  transaction as its tracking record (so exactly once, as ours).

Each runner the library offers is tried on 500 cases (each on a fresh
database); the fastest then runs all N, reported as ``peer.end_to_end`` (first
filing to the N-th case projected as acknowledged), the trials in its note.
``peer.file`` is Intake alone, without followers. Afterwards every complaint
must be acknowledged and projected, or the run fails.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import psycopg
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from eventsourcing.postgres import PostgresDatastore, PostgresProcessRecorder
from eventsourcing.system import (
    MultiThreadedRunner,
    NewMultiThreadedRunner,
    NewSingleThreadedRunner,
    ProcessApplication,
    Runner,
    SingleThreadedRunner,
    System,
)
from eventsourcing.utils import get_topic
from psycopg import Cursor
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import DictRow
from psycopg.sql import SQL
from support import (
    Figure,
    HelpFormatter,
    fresh_database,
    intake_message,
    print_figures,
    write_results,
)

from complaint_events.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results" / "peer_eventsourcing.json"
FILING_BATCH = 500  # as our intake worker's default batch
PULL_SECTION = 500  # notifications per pull and log section (the library's default: 10)
RUNNERS: dict[str, type[Runner[Any]]] = {
    "single": SingleThreadedRunner,
    "new-single": NewSingleThreadedRunner,
    "multi": MultiThreadedRunner,
    "new-multi": NewMultiThreadedRunner,
}
TRIAL_CASES = 500  # per runner, to pick the fastest before the full run
TIMEOUT = 600.0  # seconds without progress before a run is given up


# ------------------------------------------------------------------ domain model


class Complaint(Aggregate):
    """One filed complaint, with the intake message's fields."""

    @event("Filed")
    def __init__(
        self,
        *,
        channel: str,
        channel_ref: str,
        received_at: str,
        consumer: dict[str, Any],
        order_id: str,
        merchant_id: str,
        sku: str,
        product_name: str,
        purchase_date: str,
        delivered_on: str,
        price: str,
        quantity: int,
        description: str,
        evidence: list[dict[str, Any]],
        demand: str,
        category: str,
        language: str,
        safety_flags: list[str],
    ) -> None:
        self.channel = channel
        self.channel_ref = channel_ref
        self.received_at = received_at
        self.consumer = consumer
        self.order_id = order_id
        self.merchant_id = merchant_id
        self.sku = sku
        self.product_name = product_name
        self.purchase_date = purchase_date
        self.delivered_on = delivered_on
        self.price = price
        self.quantity = quantity
        self.description = description
        self.evidence = evidence
        self.demand = demand
        self.category = category
        self.language = language
        self.safety_flags = safety_flags

    @staticmethod
    def create_id(channel: str, channel_ref: str) -> UUID:
        """One complaint per channel message, as our cases are keyed."""
        return uuid5(NAMESPACE_URL, f"complaint:{channel}:{channel_ref}")


class Acknowledgement(Aggregate):
    """The consumer was told their complaint was received."""

    @event("Recorded")
    def __init__(self, *, complaint_id: UUID, channel: str, language: str) -> None:
        self.complaint_id = complaint_id
        self.channel = channel
        self.language = language

    @staticmethod
    def create_id(complaint_id: UUID) -> UUID:
        return uuid5(NAMESPACE_URL, f"acknowledgement:{complaint_id}")


# The event classes the @event decorators defined (named here for the type checker).
ComplaintFiled: type[Aggregate.Event] = Complaint.Filed  # type: ignore[attr-defined]
AcknowledgementRecorded: type[Aggregate.Event] = Acknowledgement.Recorded  # type: ignore[attr-defined]
FILED = get_topic(ComplaintFiled)
RECORDED = get_topic(AcknowledgementRecorded)


# ------------------------------------------------------------------ read model

SUMMARY_TABLE = """
CREATE TABLE IF NOT EXISTS case_summary (
    case_id uuid PRIMARY KEY,
    channel text, channel_ref text, consumer_id text, merchant_id text, sku text,
    category text, demand text, price numeric, filed_at timestamptz,
    acknowledged_at timestamptz, acknowledgement_language text
)"""
UPSERT_FILED = """
INSERT INTO case_summary (case_id, channel, channel_ref, consumer_id, merchant_id, sku,
                          category, demand, price, filed_at)
VALUES (%(case_id)s, %(channel)s, %(channel_ref)s, %(consumer_id)s, %(merchant_id)s, %(sku)s,
        %(category)s, %(demand)s, %(price)s, %(filed_at)s)
ON CONFLICT (case_id) DO UPDATE SET
    channel = EXCLUDED.channel, channel_ref = EXCLUDED.channel_ref,
    consumer_id = EXCLUDED.consumer_id, merchant_id = EXCLUDED.merchant_id, sku = EXCLUDED.sku,
    category = EXCLUDED.category, demand = EXCLUDED.demand, price = EXCLUDED.price,
    filed_at = EXCLUDED.filed_at"""
UPSERT_ACKNOWLEDGED = """
INSERT INTO case_summary (case_id, acknowledged_at, acknowledgement_language)
VALUES (%(case_id)s, %(acknowledged_at)s, %(language)s)
ON CONFLICT (case_id) DO UPDATE SET
    acknowledged_at = EXCLUDED.acknowledged_at,
    acknowledgement_language = EXCLUDED.acknowledgement_language"""
COUNT_PROJECTED = (
    "SELECT count(*) FROM case_summary WHERE filed_at IS NOT NULL AND acknowledged_at IS NOT NULL"
)


class CaseSummaryRecorder(PostgresProcessRecorder):
    """The Projector's process recorder: writes the summary rows in the tracking transaction.

    The library's documented extension point: the policy passes rows as keyword
    arguments of ``collect_events``, which reach ``_insert_events`` inside the
    transaction that also inserts the tracking record.
    """

    def __init__(
        self,
        datastore: PostgresDatastore,
        *,
        events_table_name: str = "stored_events",
        tracking_table_name: str = "notification_tracking",
    ) -> None:
        super().__init__(
            datastore,
            events_table_name=events_table_name,
            tracking_table_name=tracking_table_name,
        )
        self.sql_create_statements.append(SQL(SUMMARY_TABLE))  # type: ignore[arg-type]

    def _insert_events(
        self, curs: Cursor[DictRow], stored_events: Sequence[Any], **kwargs: Any
    ) -> None:
        super()._insert_events(curs, stored_events, **kwargs)
        if (filed := kwargs.get("filed")) is not None:
            curs.execute(UPSERT_FILED, filed, prepare=True)
        if (acknowledged := kwargs.get("acknowledged")) is not None:
            curs.execute(UPSERT_ACKNOWLEDGED, acknowledged, prepare=True)


# ------------------------------------------------------------------ applications


class Intake(Application[UUID]):
    """Files complaints: one aggregate each, many per transaction."""

    log_section_size = PULL_SECTION  # what its followers may pull at once

    def file(self, messages: Sequence[dict[str, Any]]) -> list[UUID]:
        complaints = [Complaint(**{"safety_flags": [], **message}) for message in messages]
        self.save(*complaints)
        return [c.id for c in complaints]


class Acknowledger(ProcessApplication[UUID]):
    """Acknowledges every filed complaint."""

    log_section_size = PULL_SECTION
    pull_section_size = PULL_SECTION
    topics = (FILED,)

    @singledispatchmethod
    def policy(
        self, domain_event: DomainEventProtocol[UUID], processing_event: ProcessingEvent[UUID]
    ) -> None:
        """Other events: nothing to do."""

    @policy.register(ComplaintFiled)
    def _(
        self, domain_event: DomainEventProtocol[UUID], processing_event: ProcessingEvent[UUID]
    ) -> None:
        e: Any = domain_event
        processing_event.collect_events(
            Acknowledgement(complaint_id=e.originator_id, channel=e.channel, language=e.language)
        )


class Projector(ProcessApplication[UUID]):
    """Keeps ``case_summary``: one row per complaint, filed and acknowledged."""

    env = {"PROCESS_RECORDER_TOPIC": get_topic(CaseSummaryRecorder)}  # noqa: RUF012
    pull_section_size = PULL_SECTION
    topics = (FILED, RECORDED)

    @singledispatchmethod
    def policy(
        self, domain_event: DomainEventProtocol[UUID], processing_event: ProcessingEvent[UUID]
    ) -> None:
        """Other events: nothing to do."""

    @policy.register(ComplaintFiled)
    def _(
        self, domain_event: DomainEventProtocol[UUID], processing_event: ProcessingEvent[UUID]
    ) -> None:
        e: Any = domain_event
        processing_event.collect_events(
            filed={
                "case_id": e.originator_id,
                "channel": e.channel,
                "channel_ref": e.channel_ref,
                "consumer_id": e.consumer["consumer_id"],
                "merchant_id": e.merchant_id,
                "sku": e.sku,
                "category": e.category,
                "demand": e.demand,
                "price": e.price,
                "filed_at": e.timestamp,
            }
        )

    @policy.register(AcknowledgementRecorded)
    def _(
        self, domain_event: DomainEventProtocol[UUID], processing_event: ProcessingEvent[UUID]
    ) -> None:
        e: Any = domain_event
        processing_event.collect_events(
            acknowledged={
                "case_id": e.complaint_id,
                "acknowledged_at": e.timestamp,
                "language": e.language,
            }
        )


SYSTEM = System(pipes=[[Intake, Acknowledger, Projector], [Intake, Projector]])


# ------------------------------------------------------------------ measuring


def persistence_env(dsn: str) -> dict[str, str]:
    """eventsourcing's PostgreSQL settings for the database of ``dsn``."""
    info = conninfo_to_dict(dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info["dbname"]),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
    }


def batches(n: int) -> Iterator[list[dict[str, Any]]]:
    for first in range(0, n, FILING_BATCH):
        yield [intake_message(i) for i in range(first, min(first + FILING_BATCH, n))]


def time_filing_alone(admin_dsn: str, n: int, keep: bool) -> float:
    """Seconds for Intake alone (no followers) to file ``n`` complaints."""
    messages = list(batches(n))
    with fresh_database(admin_dsn, keep) as dsn:
        intake = Intake(env=persistence_env(dsn))
        try:
            started = time.perf_counter()
            for batch in messages:
                intake.file(batch)
            return time.perf_counter() - started
        finally:
            intake.close()


def time_system(admin_dsn: str, n: int, runner_name: str, keep: bool) -> float:
    """Seconds from the first filing to the n-th case projected, with the named runner."""
    messages = list(batches(n))
    with fresh_database(admin_dsn, keep) as dsn:
        runner = RUNNERS[runner_name](SYSTEM, env=persistence_env(dsn))
        runner.start()
        try:
            intake = runner.get(Intake)
            with psycopg.connect(dsn, autocommit=True) as conn:
                started = time.perf_counter()
                ids = [case_id for batch in messages for case_id in intake.file(batch)]
                wait_until_projected(conn, runner, n)
                seconds = time.perf_counter() - started
        finally:
            runner.stop()
        check(dsn, ids)
    return seconds


def wait_until_projected(conn: psycopg.Connection[Any], runner: Runner[Any], n: int) -> None:
    seen, last_progress = -1, time.monotonic()
    errored = getattr(runner, "has_errored", None)
    while True:
        projected = conn.execute(COUNT_PROJECTED).fetchone()[0]  # type: ignore[index]
        if projected >= n:
            return
        if errored is not None and errored.is_set():
            runner.stop()  # re-raises the processing thread's error
            raise RuntimeError("a processing thread failed")
        if projected != seen:
            seen, last_progress = projected, time.monotonic()
        elif time.monotonic() - last_progress > TIMEOUT:
            raise RuntimeError(f"only {projected:,} of {n:,} cases projected; stuck")
        time.sleep(0.05)


def check(dsn: str, ids: list[UUID]) -> None:
    """Every complaint acknowledged (one Acknowledgement aggregate) and projected."""
    with psycopg.connect(dsn) as conn:
        acknowledged = {
            row[0]
            for row in conn.execute(
                "SELECT originator_id FROM acknowledger_events WHERE topic = %s", (RECORDED,)
            )
        }
        projected = {
            row[0]
            for row in conn.execute(
                "SELECT case_id FROM case_summary WHERE filed_at IS NOT NULL "
                "AND acknowledged_at IS NOT NULL AND channel_ref IS NOT NULL"
            )
        }
    missing_ack = [i for i in ids if Acknowledgement.create_id(i) not in acknowledged]
    missing_projection = set(ids) - projected
    if len(set(ids)) != len(ids) or missing_ack or missing_projection:
        raise AssertionError(
            f"peer incomplete: {len(ids):,} filed ({len(set(ids)):,} distinct), "
            f"{len(missing_ack):,} not acknowledged, {len(missing_projection):,} not projected"
        )


def measure(
    kafka_bootstrap: str,  # unused: the peer has no Kafka; same signature as the others
    admin_dsn: str,
    n: int,
    keep: bool = False,
    runners: Sequence[str] = tuple(RUNNERS),
) -> list[Figure]:
    """Filing alone; a short trial of each runner; then the whole system with the fastest."""
    if n < 1:
        raise ValueError("n must be at least 1")
    file_seconds = time_filing_alone(admin_dsn, n, keep)
    trial = min(n, TRIAL_CASES)
    trials = {}
    if len(runners) > 1:
        for name in runners:
            trials[name] = trial / time_system(admin_dsn, trial, name, keep)
            progress(f"trial, {RUNNERS[name].__name__}: {trials[name]:,.0f} cases/s ({trial:,})")
        best = max(trials, key=trials.__getitem__)
    else:
        best = runners[0]
    seconds = time_system(admin_dsn, n, best, keep)
    progress(f"{RUNNERS[best].__name__}: {n:,} cases in {seconds:.2f} s")
    tried = ", ".join(f"{RUNNERS[r].__name__} {v:,.0f}" for r, v in trials.items())
    return [
        Figure("peer.file", "eventsourcing: file (Intake alone)", n / file_seconds, "cases/s",
               f"{FILING_BATCH} aggregates per save(), one transaction each; "
               f"{n:,} in {file_seconds:.2f} s"),
        Figure("peer.end_to_end", "eventsourcing: file -> acknowledge -> project",
               n / seconds, "cases/s",
               f"{RUNNERS[best].__name__}, first filing to {n:,}th case projected in "
               f"{seconds:.1f} s; one transaction per processed event (3 per case)"
               + (f"; trials of {trial:,} cases/s: {tried}" if trials else "")),
    ]  # fmt: skip


def progress(line: str) -> None:
    print(f"peer: {line}", file=sys.stderr, flush=True)


def save(figures: list[Figure], n: int) -> None:
    write_results(
        RESULTS,
        {"benchmark": "peer: eventsourcing process system, file -> acknowledge -> project", "n": n},
        figures,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="PostgreSQL comes from COMPLAINTS_POSTGRES_DSN: each run creates a fresh "
        "database on that server and drops it afterwards (unless --keep).",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--n", "--cases", dest="n", type=int, default=5000,
                        help="complaints to file, acknowledge and project")  # fmt: skip
    parser.add_argument(
        "--runner", dest="runners", action="append", choices=list(RUNNERS),
        help="runner to try (repeatable); default: all; with one, no trials are run",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the databases")
    args = parser.parse_args()
    if args.n < 1:
        parser.error("--n must be at least 1")
    settings = Settings()
    figures = measure(settings.kafka_bootstrap, settings.postgres_dsn, args.n, args.keep,
                      args.runners or tuple(RUNNERS))  # fmt: skip
    print_figures(f"Peer: eventsourcing process system ({args.n:,} complaints)", figures)
    save(figures, args.n)


if __name__ == "__main__":
    main()
