"""Options shared by the commands: where the event store and Kafka are."""

from __future__ import annotations

from typing import Annotated

import typer

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
