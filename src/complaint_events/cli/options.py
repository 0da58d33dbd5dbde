"""Options shared by the commands: where the event store and Kafka are, and the settings
they make with the environment."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from complaint_events.settings import Settings

StoreOpt = Annotated[
    str | None,
    typer.Option("--store", help="Event store: sqlite or postgres \\[env COMPLAINTS_STORE]."),
]
DsnOpt = Annotated[
    str | None,
    typer.Option("--postgres", help="PostgreSQL DSN \\[env COMPLAINTS_POSTGRES_DSN]."),
]
KafkaOpt = Annotated[
    str | None,
    typer.Option("--kafka", help="Kafka bootstrap servers \\[env COMPLAINTS_KAFKA_BOOTSTRAP]."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")]


def settings_given(
    *,
    store: str | None = None,
    postgres: str | None = None,
    kafka: str | None = None,
    **more: Any,
) -> Settings:
    """The settings of the environment (``COMPLAINTS_*``), with what the command line gave
    (an option left out, ``None``, keeps the environment's value)."""
    given: dict[str, Any] = {
        "store": store,
        "postgres_dsn": postgres,
        "kafka_bootstrap": kafka,
        **more,
    }
    return Settings(**{name: value for name, value in given.items() if value is not None})
