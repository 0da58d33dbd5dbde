"""Every kafka-python client of the project comes from here.

What a client needs from the installation (where the brokers are) and what
every client of one kind does alike is decided once: a producer is idempotent
and waits for every in-sync replica (``acks=all``), so a retry never
duplicates or reorders and an acknowledged message survives a broker; a
consumer never commits on its own, because every reader here decides when its
position may move (after the rows, the report or the outbox file are
written). A setting added to :class:`~complaint_events.settings.Settings` for
the connection (TLS, SASL) belongs in :meth:`KafkaClients._connection` and
reaches every client.

Each caller names only what is particular to its purpose (its client id, a
consumer group, batching, compression, timeouts); an option left ``None``
keeps kafka-python's default.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from complaint_events.settings import Settings


def _given(**options: Any) -> dict[str, Any]:
    return {name: value for name, value in options.items() if value is not None}


class KafkaClients:
    """Builds producers, consumers and admin clients for one installation's Kafka."""

    def __init__(self, settings: Settings) -> None:
        self.bootstrap = settings.kafka_bootstrap

    def _connection(self) -> dict[str, Any]:
        return {"bootstrap_servers": self.bootstrap}

    def producer(
        self,
        client_id: str | None = None,
        *,
        linger_ms: int | None = None,
        batch_size: int | None = None,
        compression_type: str | None = None,
        max_in_flight_requests_per_connection: int | None = None,
        max_request_size: int | None = None,
    ) -> KafkaProducer:
        """An idempotent producer whose sends are acknowledged by every in-sync replica."""
        return KafkaProducer(
            **self._connection(),
            enable_idempotence=True,
            acks="all",
            **_given(
                client_id=client_id,
                linger_ms=linger_ms,
                batch_size=batch_size,
                compression_type=compression_type,
                max_in_flight_requests_per_connection=max_in_flight_requests_per_connection,
                max_request_size=max_request_size,
            ),
        )

    def consumer(
        self,
        client_id: str | None = None,
        *,
        group_id: str | None = None,
        auto_offset_reset: str | None = None,
        allow_auto_create_topics: bool | None = None,
        session_timeout_ms: int | None = None,
        heartbeat_interval_ms: int | None = None,
        request_timeout_ms: int | None = None,
        bootstrap_timeout_ms: int | None = None,
    ) -> KafkaConsumer:
        """A consumer that commits only when told to; without ``group_id``, of no group."""
        return KafkaConsumer(
            **self._connection(),
            group_id=group_id,
            enable_auto_commit=False,
            **_given(
                client_id=client_id,
                auto_offset_reset=auto_offset_reset,
                allow_auto_create_topics=allow_auto_create_topics,
                session_timeout_ms=session_timeout_ms,
                heartbeat_interval_ms=heartbeat_interval_ms,
                request_timeout_ms=request_timeout_ms,
                bootstrap_timeout_ms=bootstrap_timeout_ms,
            ),
        )

    def admin(
        self,
        client_id: str,
        *,
        request_timeout_ms: int | None = None,
        bootstrap_timeout_ms: int | None = None,
    ) -> KafkaAdminClient:
        """An admin client (topics, consumer groups' offsets and states)."""
        return KafkaAdminClient(
            **self._connection(),
            client_id=client_id,
            **_given(
                request_timeout_ms=request_timeout_ms,
                bootstrap_timeout_ms=bootstrap_timeout_ms,
            ),
        )


SENDER_STOP_WAIT = 10.0
"""Seconds :func:`close_dropping_unsent` waits for the producer's I/O thread to end."""


def close_dropping_unsent(producer: KafkaProducer) -> None:
    """Close ``producer`` at once: every record Kafka has not acknowledged yet fails and
    is never sent. What the Java client's ``close(Duration.ZERO)`` does.

    kafka-python's own ``close(timeout=0)`` does not: since it flushes before closing
    (dpkp/kafka-python#2537), with records pending it raises ``KafkaTimeoutError``
    and leaves its I/O thread running, which delivers them later. A relay that
    stepped down would then publish a batch after its successor read the topic's
    tails, and that batch would be on the topic twice (docs/architecture.md, "The
    relay"). Here the I/O thread is stopped first, failing what is pending, and the
    producer closed after it. A request already on the wire may still be appended
    by the broker.
    """
    sender = getattr(producer, "_sender", None)
    if sender is not None and sender.is_alive():
        sender.force_close()
        sender.join(SENDER_STOP_WAIT)
    producer.close(timeout=0)
