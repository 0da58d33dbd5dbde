"""One row per case: where it stands, who has it, what was decided, and its clocks.

The row is a pure fold of the case's events (:func:`fold_case`). Status and
deadlines follow the rules of the aggregate (:mod:`complaint_events.domain.case`),
restated here as data that a reader can check against it:

* :data:`DEADLINE_RULES` — which event ends (or pauses) which running clock;
* clocks start from the ``deadline`` record an event carries (``ComplaintFiled``:
  ``acknowledgement_deadline``), resume with the times in a spot-check result's
  ``resumed``, expire or are reminded by the ``deadline_id`` their event names;
* :func:`status_after` — the ``status`` an event carries, else :data:`IMPLIED_STATUS`.

``tests/unit/projections/test_case_summary_matches_domain.py`` folds random
valid histories and checks the result against the aggregate itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from psycopg import Cursor

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.deadlines import DeadlineState
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import DeadlineKind
from projections.base import Projection, Tables, TableSpec
from projections.table_io import Row, fold_batch, load_rows, upsert_rows

K = DeadlineKind
D = DeadlineState
S = CaseStatus

# ----------------------------------------------------------------- the rules

DEADLINE_RULES: Final[Mapping[str, tuple[DeadlineKind | None, DeadlineState]]] = MappingProxyType(
    {
        # event type: (kind of the running clock it ends, new state); kind None: every
        # running clock, or for PAUSED every open one (a paused clock keeps its pause)
        "AcknowledgementSent": (K.ACKNOWLEDGEMENT, D.MET),
        "InformationRequested": (K.INFORMATION, D.CANCELLED),  # a new request replaces the old
        "InformationSupplied": (K.INFORMATION, D.MET),
        "MerchantEvidenceSubmitted": (K.MERCHANT_EVIDENCE, D.MET),
        "SpotCheckOrdered": (None, D.PAUSED),  # other clocks pause while testing runs
        "SpotCheckResultRecorded": (K.SPOT_CHECK, D.MET),
        "RemedyOffered": (K.REMEDY_ANSWER, D.CANCELLED),  # a revised offer replaces the open one
        "RemedyAccepted": (K.REMEDY_ANSWER, D.MET),
        "RemedyRejected": (K.REMEDY_ANSWER, D.MET),
        "RemedyExecuted": (K.REFUND, D.MET),
        "CaseClosed": (None, D.CANCELLED),
        "AppealFiled": (K.APPEAL_WINDOW, D.MET),
        "CaseReopened": (K.APPEAL_WINDOW, D.CANCELLED),
    }
)
"""Applied before the clock the same event starts, if any (so a new request's clock stays open)."""

STARTED_DEADLINE_FIELD: Final[Mapping[str, str]] = MappingProxyType(
    {"ComplaintFiled": "acknowledgement_deadline"}
)
"""Payload field of the clock an event starts, where it is not ``deadline``."""

IMPLIED_STATUS: Final[Mapping[str, tuple[CaseStatus | None, CaseStatus]]] = MappingProxyType(
    {
        # event type: (status it applies to — None: any, status after) for events without `status`
        "ComplaintFiled": (None, S.FILED),
        "AcknowledgementSent": (S.FILED, S.VERIFYING),
    }
)

STAGES: Final[Mapping[str, str]] = MappingProxyType(
    {
        S.FILED: "intake",
        S.VERIFYING: "verification",
        S.LIABILITY_DETERMINED: "liability",
        S.REMEDY_OFFERED: "remedy",
        S.REMEDY_ACCEPTED: "remedy",
        S.REMEDY_REJECTED: "remedy",
        S.REMEDY_EXECUTED: "remedy",
        S.CLOSED: "closed",
        S.UNDER_APPEAL: "appeal",
    }
)

_RUNNING: Final = frozenset({D.OPEN.value, D.PAUSED.value})
_ENDS_FROM: Final = MappingProxyType({D.PAUSED: frozenset({D.OPEN.value})})

Deadlines = dict[str, dict[str, Any]]
"""deadline_id -> {kind, started_at, due_at, remind_at, state, reminded, paused_at}.

Times are ISO 8601 strings, as in the events (and in jsonb, unchanged).
"""


def json_time(at: datetime) -> str:
    """``at`` as the events write times: ISO 8601 in UTC with a ``Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """A time as the events (and :func:`json_time`) write it."""
    return datetime.fromisoformat(text)


def status_after(status: str | None, event: EventEnvelope) -> str | None:
    """The case's status after ``event``: the one it carries, else the implied one."""
    carried = event.payload.get("status")
    if isinstance(carried, str):
        return carried
    implied = IMPLIED_STATUS.get(event.event_type)
    if implied is not None and (implied[0] is None or implied[0] == status):
        return str(implied[1])
    return status


def stage_of(status: str, route: str | None) -> str:
    """The stage a person would name; a filed case waits for triage, then for acknowledgement."""
    if status == S.FILED and route is not None:
        return "acknowledgement"
    return STAGES.get(status, status)


def fold_deadlines(deadlines: Mapping[str, Mapping[str, Any]], event: EventEnvelope) -> Deadlines:
    """The case's clocks after ``event`` (a new dict; ``deadlines`` is left alone)."""
    clocks: Deadlines = {deadline_id: dict(d) for deadline_id, d in deadlines.items()}
    payload = event.payload
    rule = DEADLINE_RULES.get(event.event_type)
    if rule is not None:
        kind, state = rule
        if kind is None:
            ending = [i for i, d in clocks.items() if d["state"] in _ENDS_FROM.get(state, _RUNNING)]
        else:
            first = _first_running(clocks, kind)
            ending = [] if first is None else [first]
        for deadline_id in ending:
            clocks[deadline_id]["state"] = state.value
            if state is D.PAUSED:
                clocks[deadline_id]["paused_at"] = json_time(event.recorded_at)
    resumed = payload.get("resumed")
    if isinstance(resumed, dict):
        for deadline_id, times in resumed.items():
            if deadline_id in clocks:
                clocks[deadline_id].update(
                    state=D.OPEN.value,
                    due_at=times["due_at"],
                    remind_at=times["remind_at"],
                    paused_at=None,
                )
    started = payload.get(STARTED_DEADLINE_FIELD.get(event.event_type, "deadline"))
    if isinstance(started, dict):
        clocks[started["deadline_id"]] = {
            "kind": started["kind"],
            "started_at": started["started_at"],
            "due_at": started["due_at"],
            "remind_at": started["remind_at"],
            "state": started["state"],
            "reminded": False,
            "paused_at": None,
        }
    named = payload.get("deadline_id")
    if isinstance(named, str) and named in clocks:
        if event.event_type == "DeadlineExpired":
            clocks[named]["state"] = D.EXPIRED.value
        elif event.event_type == "DeadlineReminderSent":
            clocks[named]["reminded"] = True
    return clocks


def running_deadline(
    deadlines: Mapping[str, Mapping[str, Any]], kind: DeadlineKind
) -> Mapping[str, Any] | None:
    """The running (open or paused) clock of ``kind``, if any."""
    first = _first_running(deadlines, kind)
    return None if first is None else deadlines[first]


def _first_running(deadlines: Mapping[str, Mapping[str, Any]], kind: DeadlineKind) -> str | None:
    # The aggregate ends the first running clock of the kind in the order the clocks
    # started; a deadline id is '<kind>@<version of its starting event>'.
    running = [i for i, d in deadlines.items() if d["kind"] == kind and d["state"] in _RUNNING]
    return min(running, key=_started_version, default=None)


def _started_version(deadline_id: str) -> tuple[int, str]:
    version = deadline_id.rpartition("@")[2]
    return (int(version) if version.isdigit() else 0, deadline_id)


# ------------------------------------------------------------------ the row

SUMMARY = TableSpec(
    "case_summary",
    "case_id uuid PRIMARY KEY, status text NOT NULL, stage text NOT NULL,"
    " route text, queue text, fast_track boolean NOT NULL, assignee text,"
    " channel text NOT NULL, merchant_id text NOT NULL, sku text NOT NULL,"
    " category text NOT NULL, product_name text NOT NULL, price numeric NOT NULL,"
    " quantity integer NOT NULL, demand text NOT NULL, liability_party text,"
    " remedy_kind text, refund_amount numeric, compensation_amount numeric,"
    " amount_paid numeric, escalation_level integer NOT NULL, resolution text,"
    " batch_alert_ids jsonb NOT NULL, deadlines jsonb NOT NULL,"
    " filed_at timestamptz NOT NULL, acknowledged_at timestamptz, closed_at timestamptz,"
    " last_sequence bigint NOT NULL, updated_at timestamptz NOT NULL",
    indexes=(
        "merchant_id, filed_at",
        "status, filed_at",
        "sku, filed_at",
        "channel, filed_at",
        "filed_at",
    ),
)

COLUMNS: Final = (
    "case_id", "status", "stage", "route", "queue", "fast_track", "assignee", "channel",
    "merchant_id", "sku", "category", "product_name", "price", "quantity", "demand",
    "liability_party", "remedy_kind", "refund_amount", "compensation_amount", "amount_paid",
    "escalation_level", "resolution", "batch_alert_ids", "deadlines", "filed_at",
    "acknowledged_at", "closed_at", "last_sequence", "updated_at",
)  # fmt: skip
JSON_COLUMNS: Final = frozenset({"batch_alert_ids", "deadlines"})

Update = Callable[[Row, EventEnvelope], None]


def _filed(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    row.update(
        channel=p["channel"],
        merchant_id=p["merchant_id"],
        sku=p["sku"],
        category=p["category"],
        product_name=p["product_name"],
        price=Decimal(p["price"]),
        quantity=p["quantity"],
        demand=p["demand"],
        filed_at=event.recorded_at,  # the case's filed_at: when it was recorded
    )


def _triaged(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    row.update(route=p["route"], queue=p["queue"], fast_track=p["fast_track"])


def _remedy_offered(row: Row, event: EventEnvelope) -> None:
    p = event.payload
    row.update(
        remedy_kind=p["kind"],
        refund_amount=Decimal(p["refund_amount"]),
        compensation_amount=Decimal(p["compensation_amount"]),
    )


def _closed(row: Row, event: EventEnvelope) -> None:
    row.update(resolution=event.payload["resolution"], closed_at=event.recorded_at)


def _reopened(row: Row, event: EventEnvelope) -> None:
    row.update(resolution=None, closed_at=None)


def _appeal_decided(row: Row, event: EventEnvelope) -> None:
    # Upheld: the case is examined again; dismissed: it stays closed as it was.
    if event.payload["status"] != S.CLOSED:
        _reopened(row, event)


def _escalated(row: Row, event: EventEnvelope) -> None:
    row["escalation_level"] = max(row["escalation_level"], event.payload["level"])


def _alert_linked(row: Row, event: EventEnvelope) -> None:
    alert_id = event.payload["alert_id"]
    if alert_id not in row["batch_alert_ids"]:
        row["batch_alert_ids"] = [*row["batch_alert_ids"], alert_id]


def _assigned(row: Row, event: EventEnvelope) -> None:
    row["assignee"] = event.payload["handler"]


def _acknowledged(row: Row, event: EventEnvelope) -> None:
    row["acknowledged_at"] = event.recorded_at


def _liability(row: Row, event: EventEnvelope) -> None:
    row["liability_party"] = event.payload["party"]


def _executed(row: Row, event: EventEnvelope) -> None:
    row["amount_paid"] = Decimal(event.payload["amount_paid"])


FIELD_UPDATES: Final[Mapping[str, Update]] = MappingProxyType(
    {
        "ComplaintFiled": _filed,
        "CaseTriaged": _triaged,
        "CaseAssigned": _assigned,
        "AcknowledgementSent": _acknowledged,
        "LiabilityDetermined": _liability,
        "RemedyOffered": _remedy_offered,
        "RemedyExecuted": _executed,
        "CaseClosed": _closed,
        "AppealDecided": _appeal_decided,
        "CaseReopened": _reopened,
        "CaseEscalated": _escalated,
        "BatchAlertLinked": _alert_linked,
    }
)
"""Columns other than status, stage and deadlines that an event sets."""


def _new_row(event: EventEnvelope) -> Row:
    row: Row = dict.fromkeys(COLUMNS)
    row.update(
        case_id=event.case_id,
        fast_track=False,
        escalation_level=0,
        batch_alert_ids=[],
        deadlines={},
    )
    return row


def fold_case(row: Row | None, event: EventEnvelope) -> Row | None:
    """The case's row after ``event``: a new dict, or ``row`` itself when nothing changes.

    Without a row, only ``ComplaintFiled`` makes one (a case first seen mid-stream
    has no filing facts, so it gets no row); an event at or below the row's
    ``last_sequence`` was applied already and changes nothing.
    """
    if row is None:
        if event.event_type != "ComplaintFiled":
            return None
        row = _new_row(event)
    elif event.sequence <= row["last_sequence"]:
        return row
    else:
        row = dict(row)
    update = FIELD_UPDATES.get(event.event_type)
    if update is not None:
        update(row, event)
    row["status"] = status_after(row["status"], event)
    row["stage"] = stage_of(row["status"], row["route"])
    row["deadlines"] = fold_deadlines(row["deadlines"], event)
    row["last_sequence"] = event.sequence
    row["updated_at"] = event.recorded_at
    return row


class CaseSummary(Projection):
    """The current state of every case, for the API's case lists and case pages."""

    name = "case_summary"
    tables = (SUMMARY,)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        table = tables[SUMMARY.name]
        rows = load_rows(cursor, table, COLUMNS, "case_id", {e.case_id for e in events})
        changed, _ = fold_batch(rows, events, lambda row, event: (fold_case(row, event), ()))
        upsert_rows(cursor, table, COLUMNS, "case_id", changed.values(), JSON_COLUMNS)
