"""Spotting a complaint submitted twice through different channels.

One :class:`ProblemIndex` aggregate per "same consumer + same order + same
problem" key points at the case that complaint opened. Saving it in the same
transaction as the case makes two concurrent filings of one problem collide
on the index, so the loser retries and finds the winner's case.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

_INDEX_NS = uuid5(NAMESPACE_URL, "urn:complaint-events:problem-index")
_CASE_NS = uuid5(NAMESPACE_URL, "urn:complaint-events:case")


def case_id_for(channel_key: str) -> UUID:
    """A case's id, derived from its channel reference: refiling the same message finds it."""
    return uuid5(_CASE_NS, channel_key)


class ProblemIndex(Aggregate):
    """Which case a consumer's problem with an order opened, and when."""

    @staticmethod
    def create_id(problem_key: str) -> UUID:
        """The index of a problem key has a fixed id, so two filers collide on it."""
        return uuid5(_INDEX_NS, problem_key)

    @event("ProblemIndexed")
    def __init__(
        self, problem_key: str, case_id: UUID, filed_at: datetime, timestamp: datetime
    ) -> None:
        # ``timestamp`` is the event's time: the filing's, from the injected clock (without
        # it eventsourcing stamps the wall clock).
        self.problem_key = problem_key
        self.case_id = case_id
        self.filed_at = filed_at

    def covers(self, at: datetime, window: timedelta) -> bool:
        """Whether a new submission at ``at`` is still a duplicate of the indexed case."""
        return at - self.filed_at <= window

    @event("ProblemReindexed")
    def point_to(self, case_id: UUID, filed_at: datetime, timestamp: datetime) -> None:
        """Past the window the same problem is a new complaint: index the new case."""
        self.case_id = case_id
        self.filed_at = filed_at
