"""Erasing a consumer's personal data on request, by destroying their key.

Allowed once every case of the consumer has been closed for the retention
period (3 years by default, ``COMPLAINTS_PERSONAL_DATA_RETENTION``); ``force``
overrides that for a legal order or a test, loudly. Nothing stored changes but
the key: the sealed contact stays in every event, on the topic and in the read
models, unreadable, and the hash chains still verify.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from complaint_events.application.cases import ComplaintCases
from complaint_events.domain.retention import erasure_allowed_from
from complaint_events.domain.status import CaseStatus

log = logging.getLogger(__name__)


class ErasureRefusedError(Exception):
    """The retention period has not passed for every case of the consumer."""

    def __init__(
        self, consumer_id: str, allowed_from: datetime | None, open_cases: tuple[UUID, ...]
    ) -> None:
        if allowed_from is None:
            why = (
                f"case(s) {', '.join(map(str, open_cases))} not closed yet; erasure is "
                "allowed only once every case has been closed for the retention period"
            )
        else:
            why = f"the retention period runs until {allowed_from.isoformat()}"
        super().__init__(f"personal data of consumer {consumer_id} cannot be erased yet: {why}")
        self.consumer_id = consumer_id
        self.allowed_from = allowed_from
        self.open_cases = open_cases


@dataclass(frozen=True, slots=True)
class ErasureOutcome:
    """What an erasure did."""

    consumer_id: str
    erased_at: datetime
    case_ids: tuple[UUID, ...]
    forced: bool
    key_destroyed: bool  # False when there was no key left (erased before, or never sealed)


def erase_consumer(
    cases: ComplaintCases,
    consumer_id: str,
    at: datetime,
    retention: timedelta,
    *,
    force: bool = False,
    actor: str = "handler",
) -> ErasureOutcome:
    """Destroy the consumer's key if the retention period allows it (or ``force``).

    Raises :class:`ErasureRefusedError`, naming the date it becomes allowed,
    when a case of the consumer is open or closed less than ``retention`` ago.
    The erasure is recorded beside the keys (who, when, which cases, forced).
    """
    case_ids = tuple(cases.case_ids_of_consumer(consumer_id))
    closed_at = []
    open_cases = []
    for case_id in case_ids:
        case = cases.get_case(case_id)
        closed = case.closed_at if case.status is CaseStatus.CLOSED else None
        closed_at.append(closed)
        if closed is None:
            open_cases.append(case_id)
    allowed_from = erasure_allowed_from(closed_at, retention)
    allowed = allowed_from is not None and allowed_from <= at
    if not allowed and not force:
        raise ErasureRefusedError(consumer_id, allowed_from, tuple(open_cases))
    if not allowed:
        log.warning(
            "FORCED erasure of consumer %s's personal data by %s before the retention period "
            "(allowed from: %s; open cases: %s): only for a legal order or a test",
            consumer_id,
            actor,
            allowed_from.isoformat() if allowed_from else "not while a case is open",
            ", ".join(map(str, open_cases)) or "none",
        )
    destroyed = cases.keys.erase(
        consumer_id,
        at,
        {
            "actor": actor,
            "forced": not allowed,
            "retention": retention.total_seconds(),
            "case_ids": [str(c) for c in case_ids],
        },
    )
    log.info(
        "personal data of consumer %s erased at %s by %s (cases: %s; key destroyed: %s)",
        consumer_id,
        at.isoformat(),
        actor,
        ", ".join(map(str, case_ids)) or "none",
        destroyed,
    )
    return ErasureOutcome(consumer_id, at, case_ids, forced=not allowed, key_destroyed=destroyed)
