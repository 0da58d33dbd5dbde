"""The composition root: builds the application and its adapters from one Settings.

The application names what it needs from beside its events as ports
(:mod:`complaint_events.application.ports`); here, and only here, the store kind
(``postgres`` or ``sqlite``) chooses the adapters that implement them, and the
API's own records, and hands them in.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Final, Literal

import psycopg
from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.persistence import PersistenceError as EventsourcingError
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder
from kafka import KafkaProducer
from psycopg.conninfo import conninfo_to_dict

from complaint_events.adapters.aggregate_existence import (
    PostgresAggregateExistence,
    SQLiteAggregateExistence,
)
from complaint_events.adapters.case_locks import PostgresCaseLocks
from complaint_events.adapters.command_results import (
    CommandResults,
    InMemoryCommandResults,
    PostgresCommandResults,
)
from complaint_events.adapters.consumer_keys import PostgresConsumerKeys, SQLiteConsumerKeys
from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.pipeline_flush import flush_before_pipeline_sync
from complaint_events.adapters.rejection_ledger import (
    PostgresRejectionLedger,
    SQLiteRejectionLedger,
)
from complaint_events.adapters.relay_leadership import LeasedPositions, RelayLeadership
from complaint_events.adapters.relay_quarantine import PostgresQuarantine
from complaint_events.adapters.secrets_file import load_secrets
from complaint_events.adapters.store_reconnects import reconnect_promptly
from complaint_events.adapters.store_wakeups import StoreWakeups
from complaint_events.adapters.stored_events import PostgresStoredEvents
from complaint_events.api.database import Database
from complaint_events.api.idempotency import (
    IdempotencyStore,
    InMemoryIdempotencyStore,
    PostgresIdempotencyStore,
)
from complaint_events.api.issued_commands import (
    InMemoryIssuedCommands,
    IssuedCommands,
    PostgresIssuedCommands,
)
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.in_process_ports import (
    ProcessCaseLocks,
    RecorderStoredEvents,
)
from complaint_events.application.ports import PortsFor, StorePorts
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.relay import Relay
from complaint_events.settings import Settings

StoreKind = Literal["sqlite", "postgres"]

_KIND_OF_MODULE: Final[Mapping[str, StoreKind]] = {
    "eventsourcing.postgres": "postgres",
    "eventsourcing.sqlite": "sqlite",
}


def store_env(settings: Settings) -> dict[str, str]:
    """The eventsourcing persistence settings for the configured event store."""
    if settings.store == "sqlite":
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(settings.sqlite_path),
        }
    info = conninfo_to_dict(settings.postgres_dsn)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(info.get("dbname", "complaints")),
        "POSTGRES_HOST": str(info.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(info.get("port", "5432")),
        "POSTGRES_USER": str(info.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(info.get("password", "")),
        "POSTGRES_POOL_SIZE": "4",
        "POSTGRES_CONNECT_TIMEOUT": str(settings.postgres_connect_timeout),
        # Check a pooled connection before use: after a database restart every pooled
        # connection is dead (store_reconnects keeps the checks from stalling a worker).
        "POSTGRES_PRE_PING": "y",
    }


# How PostgreSQL refuses the loser of two concurrent CREATE … IF NOT EXISTS / CREATE OR
# REPLACE of one object: both passed the existence check, one fails on the catalogue.
_CATALOG_RACES = (
    "tuple concurrently updated",
    "already exists",
    "pg_type_typname_nsp_index",
    "pg_class_relname_nsp_index",
)
_CATALOG_TRIES = 5


def store_ports(kind: StoreKind, key_encryption_key: bytes) -> PortsFor:
    """The adapters beside an event store of this kind, built once its recorder is open.

    They share the store's database (its connection pool) or SQLite file; the
    consumers' keys there are wrapped by ``key_encryption_key``, which is not.
    """
    if kind == "postgres":
        return partial(_postgres_ports, key_encryption_key=key_encryption_key)
    return partial(_sqlite_ports, key_encryption_key=key_encryption_key)


def _postgres_ports(recorder: ApplicationRecorder, *, key_encryption_key: bytes) -> StorePorts:
    if not isinstance(recorder, PostgresAggregateRecorder):
        raise TypeError(f"a PostgreSQL store's recorder, not {type(recorder).__name__}")
    datastore = recorder.datastore
    return StorePorts(
        keys=PostgresConsumerKeys(datastore, key_encryption_key),
        rejections=PostgresRejectionLedger(datastore),
        locks=PostgresCaseLocks(datastore),
        existence=PostgresAggregateExistence(recorder),
        stored_events=PostgresStoredEvents(recorder),
    )


def _sqlite_ports(recorder: ApplicationRecorder, *, key_encryption_key: bytes) -> StorePorts:
    if not isinstance(recorder, SQLiteAggregateRecorder):
        raise TypeError(f"an SQLite store's recorder, not {type(recorder).__name__}")
    datastore = recorder.datastore
    # One process uses the embedded store: it decides under a process lock, and reading
    # its own file one case at a time costs little.
    return StorePorts(
        keys=SQLiteConsumerKeys(datastore, key_encryption_key),
        rejections=SQLiteRejectionLedger(datastore),
        locks=ProcessCaseLocks(),
        existence=SQLiteAggregateExistence(recorder),
        stored_events=RecorderStoredEvents(recorder),
    )


def _prepare_postgres_clients() -> None:
    """This process's psycopg: prompt reconnection, and a pipeline sync that cannot hang."""
    reconnect_promptly()
    flush_before_pipeline_sync()


def open_cases(
    env: Mapping[str, str],
    *,
    policy: DeadlinePolicy | None = None,
    duplicate_window: timedelta = timedelta(days=30),
    key_encryption_key: bytes | None = None,
    pseudonym_key: bytes | None = None,
) -> ComplaintCases:
    """The case store on the persistence ``env`` names, every adapter beside it.

    A store on disk or on a server is shared by processes: without the keys
    given, it uses the ones the environment's settings name. The in-memory
    store keeps everything in the process, with a pseudonym key of its own
    unless one is given.
    """
    kind = _KIND_OF_MODULE.get(env.get("PERSISTENCE_MODULE", ""))
    if kind is None:
        return ComplaintCases(
            env, policy=policy, duplicate_window=duplicate_window, pseudonym_key=pseudonym_key
        )
    if kind == "postgres":
        _prepare_postgres_clients()
    if key_encryption_key is None or pseudonym_key is None:
        configured = load_secrets(Settings())
        key_encryption_key = key_encryption_key or configured.key_encryption_key
        pseudonym_key = pseudonym_key or configured.pseudonym_key
    return ComplaintCases(
        env,
        policy=policy,
        duplicate_window=duplicate_window,
        ports=store_ports(kind, key_encryption_key),
        pseudonym_key=pseudonym_key,
    )


def build_cases(settings: Settings) -> ComplaintCases:
    """The case store on the configured backend.

    Opening it creates the event store's tables and functions if missing
    (eventsourcing runs ``CREATE … IF NOT EXISTS`` and ``CREATE OR REPLACE
    FUNCTION``, and so do the store's own tables). Two processes doing that at
    the same moment (workers started together on a new database, a worker
    restarting while ``health`` runs: a chaos run found it) make PostgreSQL
    refuse one of them ("tuple concurrently updated", "… already exists"): that
    one tries again, and then finds everything there.
    """
    if settings.store == "postgres":
        _prepare_postgres_clients()
    for attempt in range(1, _CATALOG_TRIES + 1):
        try:
            secrets = load_secrets(settings)
            return ComplaintCases(
                env=store_env(settings),
                policy=settings.deadline_policy(),
                duplicate_window=settings.duplicate_window,
                ports=store_ports(settings.store, secrets.key_encryption_key),
                pseudonym_key=secrets.pseudonym_key,
            )
        except (EventsourcingError, psycopg.Error) as error:
            if attempt == _CATALOG_TRIES or not any(race in str(error) for race in _CATALOG_RACES):
                raise
            time.sleep(0.1 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def build_producer(
    settings: Settings,
    client_id: str = "complaint-events-relay",
    *,
    max_request_size: int | None = None,
) -> KafkaProducer:
    """An lz4-compressing producer that keeps per-key order through retries (the relay's)."""
    return KafkaClients(settings).producer(
        client_id,
        compression_type="lz4",
        linger_ms=5,
        batch_size=256 * 1024,
        max_in_flight_requests_per_connection=5,
        max_request_size=max_request_size,
    )


def build_relay(settings: Settings, cases: ComplaintCases, identity: str | None = None) -> Relay:
    """The relay from the event store to the events topic; its position lives in PostgreSQL.

    It publishes only while it holds its topic's advisory lock in PostgreSQL; a second
    relay built here is a hot standby (``identity`` names it in ``pg_stat_activity``).
    """
    topic = settings.topic(EVENTS_TOPIC)
    leadership = RelayLeadership(settings.postgres_dsn, f"relay:{topic}", identity)
    return Relay(
        recorder=cases.recorder,
        mapper=cases.mapper,
        producer=build_producer(settings),
        positions=LeasedPositions(leadership),
        topic=topic,
        kafka=KafkaClients(settings),
        batch_size=settings.relay_batch_size,
        leadership=leadership,
        producer_factory=lambda: build_producer(settings),
        standby_retry=settings.relay_standby_retry,
        takeover_wait=settings.relay_takeover_wait,
        quarantine=PostgresQuarantine(settings.postgres_dsn),
        wakeups=_wakeups_of(settings, cases),
    )


def _wakeups_of(settings: Settings, cases: ComplaintCases) -> StoreWakeups | None:
    """The event store's notifications, for a store that sends them (PostgreSQL)."""
    recorder = cases.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        return None
    return StoreWakeups(settings.postgres_dsn, recorder.channel_name)


@dataclass(frozen=True, slots=True)
class ApiRecords:
    """What the HTTP API keeps of its own: answers to repeated requests, the commands it
    issued and their outcomes; ``db`` is the read models' pool (None when embedded)."""

    db: Database | None
    idempotency: IdempotencyStore
    issued: IssuedCommands
    results: CommandResults


def build_api_records(settings: Settings) -> ApiRecords:
    """The API's records in PostgreSQL, or in the process for the embedded store."""
    if settings.store == "postgres":
        db = Database(settings.postgres_dsn)
        return ApiRecords(
            db=db,
            idempotency=PostgresIdempotencyStore(db),
            issued=PostgresIssuedCommands(db),
            results=PostgresCommandResults(settings.postgres_dsn),
        )
    return ApiRecords(
        db=None,
        idempotency=InMemoryIdempotencyStore(),
        issued=InMemoryIssuedCommands(),
        results=InMemoryCommandResults(),
    )
