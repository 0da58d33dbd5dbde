"""Creating the project's topics (docs/architecture.md, Topics)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.settings import (
    BY_SKU_TOPIC,
    COMMAND_RESULTS_TOPIC,
    COMMANDS_DLQ_TOPIC,
    COMMANDS_TOPIC,
    EVENTS_DLQ_TOPIC,
    EVENTS_TOPIC,
    INTAKE_DLQ_TOPIC,
    INTAKE_TOPIC,
    NOTIFICATIONS_TOPIC,
    Settings,
)

log = logging.getLogger(__name__)

# The event topic is the replayable history: never deleted by age or size.
_KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}

TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    EVENTS_TOPIC: _KEEP_FOREVER,
    INTAKE_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
    INTAKE_DLQ_TOPIC: {},  # dead letters: kept for settings.dead_letter_retention
    COMMANDS_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
    COMMAND_RESULTS_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
    NOTIFICATIONS_TOPIC: {"retention.ms": str(30 * 24 * 3600 * 1000)},
    COMMANDS_DLQ_TOPIC: {},
    EVENTS_DLQ_TOPIC: {},
    # Internal to the batch-quality detector; its windows are in PostgreSQL, so the
    # topic only needs to hold what the detector has not counted yet.
    BY_SKU_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
}


class TopicMissingError(RuntimeError):
    """A topic the process needs does not exist: ``complaint-events topics create`` makes it."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"topic {topic} does not exist; run 'complaint-events topics create'")
        self.topic = topic


DEAD_LETTER_TOPICS = (INTAKE_DLQ_TOPIC, COMMANDS_DLQ_TOPIC, EVENTS_DLQ_TOPIC)


def topic_config(settings: Settings, name: str) -> dict[str, str]:
    """The configuration a topic is created with.

    Dead letters hold what people sent, personal data included, so they are not
    kept forever: ``dead_letter_retention`` (30 days by default) bounds how long
    an erased consumer's words can outlive the erasure there.
    """
    if name in DEAD_LETTER_TOPICS:
        kept = int(settings.dead_letter_retention.total_seconds() * 1000)
        return {"retention.ms": str(kept)}
    return TOPIC_CONFIGS[name]


def ensure_topics(
    settings: Settings, single_partition: Sequence[str] = (), bootstrap_timeout_ms: int = 30_000
) -> list[str]:
    """Create every missing topic; return the names created.

    ``single_partition``: full names of further topics of one partition that a
    worker needs (faust's leader-election topic of a worker without agents).
    """
    admin = KafkaClients(settings).admin(
        "complaint-events-admin", bootstrap_timeout_ms=bootstrap_timeout_ms
    )
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(
                settings.topic(name),
                num_partitions=settings.partitions,
                replication_factor=1,
                topic_configs=topic_config(settings, name),
            )
            for name in TOPIC_CONFIGS
            if settings.topic(name) not in existing
        ] + [
            NewTopic(name, num_partitions=1, replication_factor=1)
            for name in single_partition
            if name not in existing
        ]
        if wanted:
            try:
                admin.create_topics(wanted)
            except TopicAlreadyExistsError:
                log.info("a topic was created concurrently")
        return [t.name for t in wanted]
    finally:
        admin.close()
