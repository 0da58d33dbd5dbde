"""The Kafka client factory: the installation's settings and each kind's rules, once."""

from __future__ import annotations

from typing import Any

import pytest

from complaint_events.adapters import kafka_clients
from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.settings import Settings


class Recorded:
    """Stands in for a kafka-python client class: keeps the configuration it was given."""

    def __init__(self, **config: Any) -> None:
        self.config = config


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> KafkaClients:
    for name in ("KafkaProducer", "KafkaConsumer", "KafkaAdminClient"):
        monkeypatch.setattr(kafka_clients, name, Recorded)
    return KafkaClients(Settings(kafka_bootstrap="kafka-1:9092,kafka-2:9092"))


def test_every_producer_is_idempotent_and_waits_for_every_replica(clients: KafkaClients) -> None:
    assert clients.producer().config == {
        "bootstrap_servers": "kafka-1:9092,kafka-2:9092",
        "enable_idempotence": True,
        "acks": "all",
    }


def test_a_purpose_adds_its_own_options_and_leaves_the_rest_to_kafka_python(
    clients: KafkaClients,
) -> None:
    config = clients.producer("complaint-events-relay", compression_type="lz4", linger_ms=5).config

    assert config["client_id"] == "complaint-events-relay"
    assert (config["compression_type"], config["linger_ms"]) == ("lz4", 5)
    assert "batch_size" not in config
    assert "max_request_size" not in config


def test_every_consumer_commits_only_when_told_and_joins_a_group_only_when_named(
    clients: KafkaClients,
) -> None:
    alone = clients.consumer("complaint-events-audit").config
    grouped = clients.consumer(group_id="g", auto_offset_reset="earliest").config

    assert (alone["enable_auto_commit"], alone["group_id"]) == (False, None)
    assert alone["client_id"] == "complaint-events-audit"
    assert (grouped["enable_auto_commit"], grouped["group_id"]) == (False, "g")
    assert grouped["auto_offset_reset"] == "earliest"
    assert "client_id" not in grouped


def test_an_admin_client_is_named_and_reaches_the_same_brokers(clients: KafkaClients) -> None:
    config = clients.admin("complaint-events-admin", bootstrap_timeout_ms=8000).config

    assert config == {
        "bootstrap_servers": "kafka-1:9092,kafka-2:9092",
        "client_id": "complaint-events-admin",
        "bootstrap_timeout_ms": 8000,
    }
