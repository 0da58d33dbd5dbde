"""One validated settings object, read from ``COMPLAINTS_*`` environment variables.

The composition root (:mod:`complaint_events.bootstrap`) builds everything from it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

import psycopg
from psycopg.conninfo import conninfo_to_dict
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from complaint_events.application.secrets import decode_key
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import DeadlineKind


class Settings(BaseSettings):
    """Where the event store and Kafka are, and how long the process's clocks run."""

    model_config = SettingsConfigDict(env_prefix="COMPLAINTS_", extra="ignore")

    store: Literal["sqlite", "postgres"] = Field(
        "sqlite", description="Event store: 'sqlite' (embedded) or 'postgres'."
    )
    sqlite_path: Path = Field(
        Path("complaints.sqlite"), description="SQLite file for the embedded store."
    )
    postgres_dsn: str = Field(
        "postgresql://postgres@127.0.0.1:5432/complaints",
        description="PostgreSQL connection string (event store and read models).",
    )
    postgres_connect_timeout: int = Field(
        30,
        ge=1,
        le=600,
        description="Seconds to wait for a PostgreSQL connection before giving up "
        "(the command line waits 5 unless this is set).",
    )
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers.")
    topic_prefix: str = Field("", description="Prefix for every topic name (test isolation).")
    partitions: int = Field(3, ge=1, description="Partitions of topics the project creates.")
    dead_letter_retention: timedelta = Field(
        timedelta(days=30),
        description="How long dead-letter topics keep a message (they hold personal data); "
        "applied when the topics are created.",
    )
    duplicate_window: timedelta = Field(
        timedelta(days=30),
        description="Same order + problem by the same consumer id, phone number or e-mail "
        "address within this window is a duplicate (docs/channels.md).",
    )
    deadlines: dict[DeadlineKind, timedelta] = Field(
        default_factory=dict,
        description='Clock overrides as JSON, e.g. {"acknowledgement": "PT12H"}.',
    )
    relay_batch_size: int = Field(
        2_000,
        ge=1,
        le=10_000,
        description="Stored events the relay reads and publishes per batch when catching up.",
    )
    relay_idle_wait: float = Field(
        0.2,
        gt=0,
        le=60,
        description="Seconds at most the relay waits before looking again when idle "
        "(on PostgreSQL, stored events wake it sooner).",
    )
    relay_standby_retry: float = Field(
        1.0,
        gt=0,
        le=60,
        description="Seconds between a standby relay's attempts to take the lead; also how "
        "often a leader waiting for Kafka checks that it still leads.",
    )
    relay_takeover_wait: float = Field(
        3.0,
        ge=0,
        le=300,
        description="Seconds a relay that has just taken the lead waits before reading the "
        "topic's tails, so that a batch the previous leader had in flight has landed.",
    )
    personal_data_retention: timedelta = Field(
        timedelta(days=1095),
        description="How long after a consumer's last case closed their personal data "
        "must be kept before it may be erased (after-sales records: at least 3 years).",
    )
    clock: str = Field(
        "system",
        description="Where time comes from: 'system', or 'file:PATH' (an ISO timestamp in "
        "a file that tests and demos rewrite to move time forward).",
    )
    intake_batch_size: int = Field(
        500, ge=1, le=10_000, description="Intake messages filed per database transaction."
    )
    batch_wait: float = Field(
        0.1, gt=0, le=10, description="Seconds a processor waits to fill a batch."
    )
    command_batch_size: int = Field(
        200, ge=1, le=10_000, description="Commands applied per database transaction."
    )
    batch_alert_threshold: int = Field(
        5, ge=2, description="Complaints on one SKU within the window that raise an alert."
    )
    batch_alert_window: timedelta = Field(
        timedelta(days=7), description="Window of the batch-quality detector."
    )
    deadline_tick: float = Field(
        0.25, gt=0, le=60, description="Seconds between the deadline keeper's checks."
    )
    deadline_sweep_interval: float = Field(
        300.0,
        gt=0,
        le=86_400,
        description="Seconds between the deadline keeper's sweeps, which fire again every "
        "overdue deadline whose command was sent that long ago and did not take effect "
        "(the keeper also sweeps once at start).",
    )
    kafka_session_timeout: float = Field(
        10.0, ge=1, description="Consumer group session timeout of the workers, in seconds."
    )
    kafka_commit_interval: float = Field(
        2.8,
        gt=0,
        le=60,
        description="Seconds between the workers' commits of consumed offsets (faust's "
        "broker_commit_interval); lower means less to replay after a crash.",
    )
    stall_timeout: float = Field(
        60.0,
        ge=0,
        description="Seconds a worker may leave messages waiting without committing an "
        "offset before its watchdog ends it (exit code 70) for its supervisor to restart; "
        "0 turns the watchdog off.",
    )
    worker_data_dir: Path = Field(
        Path(".complaint-events"), description="Local state of the faust workers."
    )
    api_tokens: str | None = Field(
        None,
        description='API bearer tokens as JSON {"<sha256 hex of the token>": "role:id"}.',
    )
    api_tokens_file: Path | None = Field(
        None, description="A JSON file of API tokens, in the same form as api_tokens."
    )
    api_host: str = Field("127.0.0.1", description="Address the HTTP API listens on.")
    api_port: int = Field(8080, ge=1, le=65535, description="Port the HTTP API listens on.")
    api_max_body_bytes: int = Field(
        256 * 1024,
        ge=1024,
        le=16 * 1024 * 1024,
        description="Largest request body the HTTP API reads; a larger one is answered 413.",
    )
    metrics_port: int = Field(
        0,
        ge=0,
        le=65535,
        description="Port on which a worker, the relay or the projector serves Prometheus "
        "/metrics; 0 serves none. Each process on one host needs its own "
        "(docs/operations-metrics.md). The API serves /metrics on its own port.",
    )
    metrics_host: str = Field(
        "127.0.0.1",
        description="Address the metrics port listens on; 0.0.0.0 for a Prometheus in "
        "another container. Keep it off the public network: /metrics has no token.",
    )
    log_format: Literal["text", "json"] = Field(
        "text",
        description="'text', or 'json': one JSON object a line with time, level, logger, "
        "message, and case_id / correlation_id where a line is about a case.",
    )
    idempotency_ttl: timedelta = Field(
        timedelta(hours=24),
        description="How long the API remembers an Idempotency-Key and its first answer.",
    )
    key_encryption_key: SecretStr | None = Field(
        None,
        description="Base64 of 32 random bytes that wrap every consumer's data key "
        "(AES-256-GCM), so that a copy of the database alone opens no personal data. "
        "Unset: read from secrets_file (made there on first use). Every process of one "
        "installation needs the same one.",
    )
    pseudonym_key: SecretStr | None = Field(
        None,
        description="Base64 of 32 random bytes: the HMAC key that turns a phone number "
        "or e-mail address into a pseudonymous consumer id. Unset: read from secrets_file.",
    )
    secrets_file: Path = Field(
        Path.home() / ".config" / "complaint-events" / "secrets.json",
        description="Where the two keys above are kept when they are not set: made on "
        "first use, readable by its owner only; keep it out of the database's backups.",
    )

    @field_validator("postgres_dsn")
    @classmethod
    def _dsn_is_postgres(cls, value: str) -> str:
        try:
            conninfo_to_dict(value)
        except psycopg.ProgrammingError as error:
            raise ValueError(
                "COMPLAINTS_POSTGRES_DSN must be a PostgreSQL connection string, e.g. "
                f"postgresql://postgres@127.0.0.1:5432/complaints ({error})"
            ) from None
        return value

    @field_validator("key_encryption_key", "pseudonym_key")
    @classmethod
    def _is_a_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            decode_key(value.get_secret_value())  # raises ValueError naming what is wrong
        return value

    def deadline_policy(self) -> DeadlinePolicy:
        """The default clocks (docs/deadlines.md) with this installation's overrides."""
        policy = DeadlinePolicy()
        for kind, duration in self.deadlines.items():
            policy = policy.with_duration(kind, duration)
        return policy

    def topic(self, name: str) -> str:
        """The full name of a topic of the topology table (``contracts/topology.py``)."""
        return f"{self.topic_prefix}{name}"
