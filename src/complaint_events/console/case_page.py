"""What the console shows of one case: facts, clocks, timeline and its hash-chain check.

Read from the event store, so the page is the same on both stores and shows a
step the moment the command processor has recorded it (the read models follow
a little later). The facts go through the API's own rendering
(:func:`complaint_events.api.case_views.case_public`), so a merchant sees the
consumer masked exactly as ``GET /v1/cases/{id}`` shows it; the timeline is the
auditor's history (:mod:`complaint_events.audit.history`: actor, time, the
reason and the rules cited) with free text scrubbed for a merchant by the
API's :class:`~complaint_events.api.visibility.MerchantRedactor`; the chain is
checked by the same :class:`~complaint_events.audit.verify.ChainVerifier` as
``complaint-events audit verify``.

An as-of view (handlers and auditors, as in the API) replays the case up to an
instant and shows the events recorded until then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID

from complaint_events.api.auth import Principal, Role
from complaint_events.api.case_views import as_of_rows, case_public
from complaint_events.api.query_models import CasePublic
from complaint_events.api.visibility import (
    STAFF,
    MerchantRedactor,
    contact_of,
    may_read_case,
    texts_opened,
)
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.personal_data import open_contact
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.audit.history import HistoryRow, history_rows
from complaint_events.audit.sources import check_stored, store_events
from complaint_events.audit.verify import ChainVerifier
from complaint_events.domain.deadlines import DeadlineState

CLOCK_STATES = {
    DeadlineState.OPEN.value: "running",
    DeadlineState.PAUSED.value: "paused",
    DeadlineState.EXPIRED.value: "expired",
    DeadlineState.MET.value: "met",
    DeadlineState.CANCELLED.value: "cancelled",
}
"""A clock's state as the console names it (an open clock is *running*)."""


class CaseHiddenError(LookupError):
    """No such case, or not one the user may read: the console says the same for both."""


class PastViewRefusedError(PermissionError):
    """Only handlers and auditors read a case as it stood in the past."""


@dataclass(frozen=True, slots=True)
class Clock:
    kind: str
    state: str
    started_at: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ChainCheck:
    ok: bool
    checked: int
    problem: str | None


@dataclass(frozen=True, slots=True)
class CaseView:
    """Everything the case page shows."""

    case: CasePublic
    status: str
    clocks: list[Clock]
    timeline: list[HistoryRow]
    chain: ChainCheck
    as_of: datetime | None


def read_case(
    cases: ComplaintCases, principal: Principal, case_id: UUID, as_of: datetime | None = None
) -> CaseView:
    """The case (now, or at ``as_of``) as ``principal`` may see it.

    Raises :class:`CaseHiddenError` when it does not exist or is not theirs, and
    :class:`PastViewRefusedError` for an as-of read by anyone but staff.
    """
    if as_of is not None and principal.role not in STAFF:
        raise PastViewRefusedError
    try:
        now_case = cases.get_case(case_id)
    except CaseNotFoundError:
        raise CaseHiddenError from None
    if not may_read_case(principal, now_case.merchant_id, now_case.consumer_id):
        raise CaseHiddenError
    case = now_case if as_of is None else cases.case_as_of(case_id, as_of)
    if case is None:
        raise CaseHiddenError
    row, filing = as_of_rows(case)
    opener = partial(open_contact, keys=cases.keys)
    opened = texts_opened(filing, cases.keys)
    shown = case_public(principal, row, opened, opener, as_of=as_of)
    stored = store_events(cases, case_id)
    verifier = ChainVerifier()
    check_stored(verifier, case_id, stored)
    report = verifier.report()
    first = report.first_problem
    envelopes = [e.envelope for e in stored if e.envelope is not None]
    rows = history_rows(envelopes)
    if as_of is not None:
        rows = [r for r in rows if datetime.fromisoformat(r.recorded_at) <= as_of]
    if principal.role is Role.MERCHANT:
        redact = MerchantRedactor.for_contact(contact_of(opened, opener))
        rows = [
            HistoryRow(
                sequence=r.sequence,
                recorded_at=r.recorded_at,
                event_type=r.event_type,
                actor=redact.actor(r.actor),
                correlation_id=None,
                causation_id=None,
                why=redact.text(r.why),
                rule_refs=tuple(redact.text(ref) for ref in r.rule_refs),
                hash=r.hash,
            )
            for r in rows
        ]
    clocks = [
        Clock(d.kind, CLOCK_STATES.get(d.state, d.state), d.started_at, d.due_at)
        for d in shown.deadlines
    ]
    return CaseView(
        case=shown,
        status=str(case.status),
        clocks=clocks,
        timeline=rows,
        chain=ChainCheck(report.ok, report.checked, None if first is None else first.describe()),
        as_of=as_of,
    )
