"""The health check's view of the broker: a moment without a group coordinator is not an outage."""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition
from kafka.errors import CoordinatorNotAvailableError, GroupAuthorizationFailedError
from kafka.structs import OffsetAndMetadata

from complaint_events.consumers.health import KafkaView


class Admin:
    """Answers as a broker does right after it started: no coordinator at first."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.asked = 0

    def _next(self) -> Any:
        self.asked += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def list_group_offsets(self, group: str) -> Any:
        return self._next()

    def describe_groups(self, groups: list[str]) -> Any:
        return self._next()


def test_committed_offsets_are_asked_again_while_the_coordinator_is_not_available() -> None:
    tp = TopicPartition("complaints.intake.v1", 0)
    offsets = {"g": {tp: OffsetAndMetadata(7, "", -1)}}
    admin = Admin(CoordinatorNotAvailableError(), CoordinatorNotAvailableError(), offsets)
    assert KafkaView(admin, consumer=None).committed("g") == {tp: 7}
    assert admin.asked == 3


def test_the_group_state_is_asked_again_while_the_coordinator_is_not_available() -> None:
    admin = Admin(CoordinatorNotAvailableError(), {"g": {"group_state": "Stable", "members": [1]}})
    assert KafkaView(admin, consumer=None).state("g") == ("Stable", 1)


def test_an_error_that_asking_again_cannot_cure_is_raised_at_once() -> None:
    admin = Admin(GroupAuthorizationFailedError(), {"g": {}})
    with pytest.raises(GroupAuthorizationFailedError):
        KafkaView(admin, consumer=None).committed("g")
    assert admin.asked == 1
