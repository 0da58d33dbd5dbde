"""Creating the project's topics (DESIGN.md section 5)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

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
    INTAKE_DLQ_TOPIC: _KEEP_FOREVER,
    COMMANDS_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
    COMMAND_RESULTS_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
    NOTIFICATIONS_TOPIC: {"retention.ms": str(30 * 24 * 3600 * 1000)},
    COMMANDS_DLQ_TOPIC: _KEEP_FOREVER,
    EVENTS_DLQ_TOPIC: _KEEP_FOREVER,
    # Internal to the batch-quality detector; its windows are in PostgreSQL, so the
    # topic only needs to hold what the detector has not counted yet.
    BY_SKU_TOPIC: {"retention.ms": str(7 * 24 * 3600 * 1000)},
}


def ensure_topics(settings: Settings, single_partition: Sequence[str] = ()) -> list[str]:
    """Create every missing topic; return the names created.

    ``single_partition``: full names of further topics of one partition that a
    worker needs (faust's leader-election topic of a worker without agents).
    """
    admin = KafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap, client_id="complaint-events-admin"
    )
    try:
        existing = set(admin.list_topics())
        wanted = [
            NewTopic(
                settings.topic(name),
                num_partitions=settings.partitions,
                replication_factor=1,
                topic_configs=config,
            )
            for name, config in TOPIC_CONFIGS.items()
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
