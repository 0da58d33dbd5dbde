"""The case store the processors' tests work on: the in-memory (POPO) event store."""

from __future__ import annotations

import pytest

from complaint_events.application.cases import ComplaintCases


@pytest.fixture
def cases() -> ComplaintCases:
    return ComplaintCases(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
