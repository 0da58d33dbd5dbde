"""How the API hands messages to the rest of the system: Kafka, acknowledged by every replica.

The API never changes a case itself; it publishes an intake message or a
command and answers ``202``. A publish returns only once Kafka has the message
(``acks=all``), so a ``202`` means the message will be processed.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, Protocol

from kafka.errors import KafkaError

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.observability.metrics import MESSAGES_OUT
from complaint_events.settings import Settings

SEND_TIMEOUT_SECONDS = 15.0
API = "api"  # the processor label of what the API publishes


class BusUnavailableError(RuntimeError):
    """The message could not be handed to Kafka (broker down, timeout)."""


class Bus(Protocol):
    """Publishes one message and returns once it is safely stored."""

    def publish(
        self, topic: str, key: bytes, value: bytes, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        """``topic`` is the logical name (``complaints.commands.v1``), without the prefix."""
        ...

    def close(self) -> None: ...


class KafkaBus:
    """The real bus: an idempotent kafka-python producer, opened on first use."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer: Any = None
        self._lock = threading.Lock()

    def _open(self) -> Any:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaClients(self._settings).producer(
                    "complaint-events-api", linger_ms=2
                )
            return self._producer

    def publish(
        self, topic: str, key: bytes, value: bytes, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        try:
            future = self._open().send(
                self._settings.topic(topic), key=key, value=value, headers=list(headers) or None
            )
            future.get(timeout=SEND_TIMEOUT_SECONDS)
        except KafkaError as error:
            raise BusUnavailableError(f"Kafka did not take the message: {error}") from error
        MESSAGES_OUT.labels(API, topic).inc()

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close()
                self._producer = None
