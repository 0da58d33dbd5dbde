"""Messages in and out of the processors, independent of the Kafka client that carries them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from complaint_events.contracts.dead_letters import DeadLetter


@dataclass(frozen=True, slots=True)
class Incoming:
    """One consumed message: its bytes and where it came from."""

    value: bytes
    key: bytes | None = None
    headers: tuple[tuple[str, bytes], ...] = ()
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message a processor wants sent; ``topic`` is the logical name (without prefix)."""

    topic: str
    key: bytes | None
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = field(default=())


def dead_letter(
    message: Incoming,
    *,
    reason: str,
    processor: str,
    failed_at: datetime,
    errors: tuple[dict[str, str], ...] = (),
) -> DeadLetter:
    """A message that could not be processed, with why and where it came from."""
    return DeadLetter(
        key=message.key,
        value=message.value,
        reason=reason,
        errors=errors,
        processor=processor,
        failed_at=failed_at,
        source_topic=message.topic,
        source_partition=message.partition,
        source_offset=message.offset,
        original_headers=message.headers,
    )


Sender = Callable[[Iterable[Outgoing]], None]
"""Sends messages and returns once the broker has taken every one of them."""
