"""A producer closed at once drops what Kafka has not acknowledged (real Kafka).

The relay relies on it when it fails or loses the lead: a record of the old
leader landing after the new one read the topic's tails would be on the topic
twice. kafka-python's own ``close(timeout=0)`` raised and delivered such a
record seconds later; the chaos run found the doubles.
"""

from __future__ import annotations

import pytest
from kafka import TopicPartition

from complaint_events.adapters.kafka_clients import KafkaClients, close_dropping_unsent
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration


def records_on(settings: Settings, topic: str) -> int:
    consumer = KafkaClients(settings).consumer()
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


def test_records_not_yet_sent_fail_and_never_reach_the_topic(stack_settings: Settings) -> None:
    ensure_topics(stack_settings)
    topic = stack_settings.topic(EVENTS_TOPIC)
    clients = KafkaClients(stack_settings)
    sent = clients.producer("sent-first")
    sent.send(topic, key=b"case-1", value=b"acknowledged").get(timeout=30)
    sent.close()

    # A long linger keeps the next record in the producer's buffer, as a batch waiting
    # for Kafka is when a relay steps down.
    producer = clients.producer("dropped", linger_ms=60_000)
    producer.partitions_for(topic)
    pending = producer.send(topic, key=b"case-2", value=b"never published")

    close_dropping_unsent(producer)

    assert pending.is_done, "closing left the record pending"
    assert pending.failed(), "the record dropped at close was reported sent"
    assert not producer._sender.is_alive(), "the producer's I/O thread still runs"
    assert records_on(stack_settings, topic) == 1, "the dropped record reached the topic"


def test_a_producer_with_nothing_pending_closes_quietly(stack_settings: Settings) -> None:
    ensure_topics(stack_settings)
    producer = KafkaClients(stack_settings).producer("idle")
    producer.partitions_for(stack_settings.topic(EVENTS_TOPIC))
    close_dropping_unsent(producer)
    close_dropping_unsent(producer)  # twice, as a relay's step-down then its exit may
    assert not producer._sender.is_alive()
