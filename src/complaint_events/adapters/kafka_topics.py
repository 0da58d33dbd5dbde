"""Creating the project's topics (docs/architecture.md, Topics), as the topology table says."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.contracts.topology import TOPICS, Topic
from complaint_events.settings import Settings

log = logging.getLogger(__name__)


def _retention(topic: Topic) -> dict[str, str]:
    if topic.retention is None:
        # Never deleted by age or size: the event topic is the replayable history.
        return {"retention.ms": "-1", "retention.bytes": "-1"}
    return {"retention.ms": str(int(topic.retention.total_seconds() * 1000))}


TOPIC_CONFIGS: dict[str, dict[str, str]] = {
    # Dead letters: kept for settings.dead_letter_retention (topic_config).
    topic.name: {} if topic.dead_letter else _retention(topic)
    for topic in TOPICS
}


class TopicMissingError(RuntimeError):
    """A topic the process needs does not exist: ``complaint-events topics create`` makes it."""

    def __init__(self, topic: str) -> None:
        super().__init__(f"topic {topic} does not exist; run 'complaint-events topics create'")
        self.topic = topic


DEAD_LETTER_TOPICS = tuple(topic.name for topic in TOPICS if topic.dead_letter)


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
