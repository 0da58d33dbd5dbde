"""The relay puts each case's events where Kafka's own default partitioner would."""

from __future__ import annotations

import uuid

from kafka.partitioner.default import DefaultPartitioner

from complaint_events.relay import partition_for


class Topic:
    """What kafka-python's partitioner reads of the cluster's metadata: one topic."""

    def __init__(self, partitions: int) -> None:
        self.all = set(range(partitions))

    def topics(self) -> set[str]:
        return {"events"}

    def partitions_for_topic(self, _topic: str) -> set[int]:
        return self.all

    def available_partitions_for_topic(self, _topic: str) -> set[int]:
        return self.all


def test_partition_for_agrees_with_kafkas_partitioner_on_every_count() -> None:
    keys = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"case-{n}")).encode() for n in range(2_000)]
    for count in (1, 3, 7, 12):
        cluster = Topic(count)
        for key in keys:
            expected = DefaultPartitioner().partition("events", key, key, b"", b"", cluster)
            assert partition_for(key, count) == expected
            assert partition_for(key, count) == expected, "a remembered key moved"
