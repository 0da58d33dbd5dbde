"""Stack mode of the demo: the same scenario on Apache Kafka, PostgreSQL and the real workers.

Each run gets a database of its own on the given PostgreSQL server and topics
under a prefix of its own, so runs never mix and what a run leaves behind can be
explored afterwards (API, ``case show``, ``audit verify``) with the settings
:attr:`StackPlace.env` names.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases
from complaint_events.clock import SimulatedClock
from complaint_events.consumers.health import PROJECTIONS, check
from complaint_events.demo.playing import OUTAGES, START, DemoRun, OnProgress, play, stream
from complaint_events.demo.stack_bus import StackBus, StackNotSettlingError
from complaint_events.demo.stack_workers import StackWorkers
from complaint_events.settings import Settings

_PROJECTIONS_WAIT = 120.0
_KAFKA_WAIT_MS = 8_000  # as 'topics create': an unreachable Kafka is said within seconds


@dataclass(frozen=True)
class StackPlace:
    """Where a stack-mode run put its cases: a fresh database and a fresh topic prefix."""

    settings: Settings
    database: str

    @property
    def env(self) -> dict[str, str]:
        """The environment that points the other commands at this run's cases."""
        return {
            "COMPLAINTS_STORE": "postgres",
            "COMPLAINTS_POSTGRES_DSN": self.settings.postgres_dsn,
            "COMPLAINTS_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap,
            "COMPLAINTS_TOPIC_PREFIX": self.settings.topic_prefix,
        }


class StackUnavailableError(RuntimeError):
    """PostgreSQL or Kafka cannot be used for the demo; the message says what to do."""


def prepare(base: Settings, stamp: str | None = None) -> StackPlace:
    """Create this run's database next to ``base``'s and its topics; return where they are."""
    stamp = stamp or datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    database = f"complaints_demo_{stamp}"
    try:
        with psycopg.connect(base.postgres_dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    except psycopg.Error as error:
        raise StackUnavailableError(
            f"cannot create the demo's database on PostgreSQL ({' '.join(str(error).split())}); "
            "check --postgres / COMPLAINTS_POSTGRES_DSN (scripts/devstack up starts one), and "
            "that its user may CREATE DATABASE"
        ) from error
    info = conninfo_to_dict(base.postgres_dsn)
    info["dbname"] = database
    settings = base.model_copy(
        update={
            "store": "postgres",
            "postgres_dsn": make_conninfo(**info),  # type: ignore[arg-type]
            "topic_prefix": f"{base.topic_prefix}demo-{stamp}.",
        }
    )
    place = StackPlace(settings, database)
    try:
        ensure_topics(settings, bootstrap_timeout_ms=_KAFKA_WAIT_MS)
    except Exception as error:
        left = discard(place, base, topics=False)  # none were made: Kafka said no
        raise StackUnavailableError(
            f"cannot create the demo's topics on Kafka at {settings.kafka_bootstrap} ({error}); "
            "check --kafka / COMPLAINTS_KAFKA_BOOTSTRAP (scripts/devstack up starts one)"
            + (
                f"; left behind: {'; '.join(left)}"
                if left
                else f"; the database {database} made for the run is removed"
            )
        ) from error
    return place


def discard(place: StackPlace, base: Settings, *, topics: bool = True) -> list[str]:
    """Remove the database and (``topics``) the topics of a run that did not finish.

    Returns what could not be removed, each with why; the rest is gone.
    """
    left: list[str] = []
    try:
        with psycopg.connect(base.postgres_dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(place.database)
                )
            )
    except psycopg.Error as error:
        left.append(f"database {place.database} ({' '.join(str(error).split())})")
    prefix = place.settings.topic_prefix
    if not topics:
        return left
    try:
        admin = KafkaClients(place.settings).admin(
            "complaint-events-demo-cleanup", bootstrap_timeout_ms=_KAFKA_WAIT_MS
        )
        try:
            ours = [t for t in admin.list_topics() if t.startswith(prefix)]
            if ours:
                admin.delete_topics(ours)
        finally:
            admin.close()
    except Exception as error:  # noqa: BLE001 - whatever Kafka says, the rest is cleaned up
        left.append(f"topics {prefix}* ({error or type(error).__name__})")
    return left


def play_on_stack(
    cases_wanted: int,
    seed: int,
    place: StackPlace,
    workdir: Path,
    on_progress: OnProgress = lambda _fraction, _what: None,
    settle_timeout: float = 120.0,
) -> DemoRun:
    """Play the demo's scenario through real workers on ``place``; return the log.

    Starts the workers, plays, waits for the read models to catch up, stops the
    workers. Raises :class:`StackNotSettlingError` or
    :class:`~complaint_events.demo.stack_workers.WorkerExitedError` when the stack
    does not keep up.
    """
    settings = place.settings
    workdir.mkdir(parents=True, exist_ok=True)
    clock_file = workdir / "clock"
    workers = StackWorkers(settings, clock_file, workdir)
    cases = build_cases(settings)
    bus = StackBus(
        settings,
        cases,
        SimulatedClock(START),
        clock_file,
        workers,
        outages=OUTAGES,
        settle_timeout=settle_timeout,
    )
    try:
        workers.start("main")
        workers.start("acknowledgement")
        run = play(bus, cases, stream(cases_wanted, seed), on_progress)
        _wait_for_read_models(settings, workers, settle_timeout)
        return run
    finally:
        workers.stop_all()
        bus.close()
        cases.close()


def _wait_for_read_models(settings: Settings, workers: StackWorkers, timeout: float) -> None:
    give_up = time.monotonic() + timeout
    while True:
        workers.check_alive()
        (health,) = check(settings, [PROJECTIONS])
        if health.caught_up:
            return
        if time.monotonic() > give_up:
            raise StackNotSettlingError(f"the read models did not catch up: {health.detail}")
        time.sleep(0.2)
