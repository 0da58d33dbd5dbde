"""Spotting a complaint submitted twice through different channels (docs/channels.md).

One :class:`ProblemIndex` aggregate per "same consumer + same order + same
problem" key points at the case that complaint opened. One
:class:`OrderProblemIndex` per "same order + same problem" key lists the cases
opened on it with who filed them, as sealed keyed hashes of their phone number
and e-mail address: the same person through two channels (two consumer ids) is
found there. Saving both in the same transaction as the case makes two
concurrent filings of one problem collide on an index, so the loser retries and
finds the winner's case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
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


ORDER_INDEX_CASES_MAX = 32
"""Cases one order problem index remembers (the newest): more people complaining about
one order and one problem within the window than this is not a real order."""
IDENTITY_RECORDS_MAX = 8
"""Sealed identity records a case's entry keeps: its own, and those learned from duplicates."""

_ORDER_INDEX_NS = uuid5(NAMESPACE_URL, "urn:complaint-events:order-problem-index")


@dataclass(frozen=True, slots=True)
class IndexedCase:
    """A case opened on an order problem: when, and who it is known to be.

    ``identities`` are sealed records (``SealedTextV1`` form, under the key of the
    case's consumer) of keyed hashes of the consumer's id, phone number and
    e-mail address (docs/channels.md): nothing here reads without the key, and
    erasing the consumer's key makes them useless.
    """

    case_id: UUID
    filed_at: datetime
    identities: tuple[Mapping[str, str], ...]

    def covers(self, at: datetime, window: timedelta) -> bool:
        """Whether a new submission at ``at`` is still a duplicate of this case."""
        return at - self.filed_at <= window


class OrderProblemIndex(Aggregate):
    """Which cases were opened on one order's problem (order + SKU + category), and by whom.

    Spots the same person's complaint about the same order and problem sent
    through two channels, whose adapters gave them two consumer ids: the match is
    on a keyed hash of the phone number or the e-mail address. One aggregate per
    order problem with a fixed id, saved in the same transaction as the case: two
    concurrent filers of one order problem collide on it, and the loser retries.
    """

    @staticmethod
    def create_id(order_problem_key: str) -> UUID:
        """The index of an order problem has a fixed id, so two filers collide on it."""
        return uuid5(_ORDER_INDEX_NS, order_problem_key)

    @event("OrderProblemIndexed")
    def __init__(
        self,
        order_problem_key: str,
        case_id: UUID,
        filed_at: datetime,
        identities: Mapping[str, str],
        timestamp: datetime,
    ) -> None:
        self.order_problem_key = order_problem_key
        self.cases: list[IndexedCase] = [IndexedCase(case_id, filed_at, (dict(identities),))]

    def covering(self, at: datetime, window: timedelta) -> list[IndexedCase]:
        """The cases a submission at ``at`` may duplicate, the first filed first."""
        return sorted((c for c in self.cases if c.covers(at, window)), key=lambda c: c.filed_at)

    def index_case(
        self, case_id: UUID, filed_at: datetime, identities: Mapping[str, str], by_at: datetime
    ) -> None:
        """Another case on this order problem: another person's, or the same past the window."""
        self._case_indexed(
            case_id=case_id, filed_at=filed_at, identities=dict(identities), timestamp=by_at
        )

    @event("CaseIndexed")
    def _case_indexed(
        self,
        case_id: UUID,
        filed_at: datetime,
        identities: Mapping[str, str],
        timestamp: datetime,
    ) -> None:
        self.cases.append(IndexedCase(case_id, filed_at, (dict(identities),)))
        del self.cases[:-ORDER_INDEX_CASES_MAX]

    def can_learn(self, case_id: UUID) -> bool:
        """Whether the case's entry has room for one more identity record."""
        return any(
            c.case_id == case_id and len(c.identities) < IDENTITY_RECORDS_MAX for c in self.cases
        )

    def learn(self, case_id: UUID, identities: Mapping[str, str], by_at: datetime) -> None:
        """A duplicate showed the case's consumer under another contact: remember it too.

        Nothing is recorded when the case has left the index or its entry is full.
        """
        if self.can_learn(case_id):
            self._identities_learned(case_id=case_id, identities=dict(identities), timestamp=by_at)

    @event("IdentitiesLearned")
    def _identities_learned(
        self, case_id: UUID, identities: Mapping[str, str], timestamp: datetime
    ) -> None:
        self.cases = [
            replace(c, identities=(*c.identities, dict(identities))) if c.case_id == case_id else c
            for c in self.cases
        ]
