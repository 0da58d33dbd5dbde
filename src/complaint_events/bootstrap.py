"""The composition root: builds the application and its adapters from one Settings."""

from __future__ import annotations

import time

import psycopg
from eventsourcing.persistence import PersistenceError as EventsourcingError
from kafka import KafkaProducer
from psycopg.conninfo import conninfo_to_dict

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.relay_leadership import LeasedPositions, RelayLeadership
from complaint_events.adapters.relay_quarantine import PostgresQuarantine
from complaint_events.adapters.secrets_file import load_secrets
from complaint_events.adapters.store_reconnects import reconnect_promptly
from complaint_events.application.cases import ComplaintCases
from complaint_events.relay import Relay
from complaint_events.settings import EVENTS_TOPIC, Settings


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
        reconnect_promptly()
    for attempt in range(1, _CATALOG_TRIES + 1):
        try:
            secrets = load_secrets(settings)
            return ComplaintCases(
                env=store_env(settings),
                policy=settings.deadline_policy(),
                duplicate_window=settings.duplicate_window,
                key_encryption_key=secrets.key_encryption_key,
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
    )
