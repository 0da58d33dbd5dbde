"""One row per event: a case's history as people read it, newest facts last.

Rows are never updated: an event already in the table (same case and sequence)
is left as it is, so replaying a batch changes nothing. Events of the SKU-level
quality record travel on the same topic and get rows too, under that record's
id: the table holds every event, and a case's page asks only for its own id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Final

from psycopg import Cursor, sql
from psycopg.types.json import Jsonb

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.events import is_sealed
from complaint_events.projections.base import Projection, Tables, TableSpec
from complaint_events.projections.memory_fold import MemoryFold, TableRows
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA

TIMELINE = TableSpec(
    "case_timeline",
    "case_id uuid NOT NULL, sequence bigint NOT NULL, event_id uuid NOT NULL,"
    " event_type text NOT NULL, occurred_at timestamptz NOT NULL,"
    " recorded_at timestamptz NOT NULL, actor text NOT NULL, reason text,"
    " correlation_id text, causation_id text, summary text NOT NULL, payload jsonb NOT NULL,"
    " PRIMARY KEY (case_id, sequence)",
    indexes=("event_type, recorded_at", "correlation_id"),
    schema=READ_MODELS_SCHEMA,
    comment=(
        "One row per event: the history of a case (or of a SKU's quality record) as people"
        " read it, oldest first by sequence; rows are never updated. Times are UTC."
    ),
    column_comments={
        "case_id": "The case's id (for a SKU quality-record event: that record's id).",
        "sequence": "The event's position in its case's history: 1, 2, 3, … (a count).",
        "event_id": "The event's unique id.",
        "event_type": "What happened, e.g. ComplaintFiled, CaseTriaged, CaseClosed.",
        "occurred_at": "When it happened, as the actor reported it (UTC).",
        "recorded_at": "When the event store recorded it (UTC).",
        "actor": "Who acted: a role and an id, e.g. handler:h-7, system.",
        "reason": "The reason the actor gave; NULL when none.",
        "correlation_id": "Id shared by the events one request caused; NULL when none.",
        "causation_id": "Id of the command or event that caused this one; NULL when none.",
        "summary": "One line in English saying what happened (sealed personal text: [sealed]).",
        "payload": "The event's payload as JSON (personal texts sealed under the consumer's key).",
    },
)

COLUMNS: Final = (
    "case_id", "sequence", "event_id", "event_type", "occurred_at", "recorded_at", "actor",
    "reason", "correlation_id", "causation_id", "summary", "payload",
)  # fmt: skip

MAX_TEXT: Final = 80
"""Free text quoted in a summary is cut to this many characters."""

Payload = Mapping[str, Any]


SEALED: Final = "[sealed]"
"""What a summary quotes of a text sealed under the consumer's key: the projection
holds no key; the API opens the text in the entry's payload for who may read it."""


def _cut(text: object) -> str:
    if is_sealed(text):
        return SEALED
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _joined(items: object) -> str:
    return ", ".join(map(str, items)) if isinstance(items, list) and items else "none"


def _assessed(p: Payload) -> str:
    failed = [name for name in ("authentic", "relevant", "lawful") if not p[name]]
    return "evidence assessed: " + ("sound" if not failed else "not " + ", not ".join(failed))


def _remedy_offered(p: Payload) -> str:
    text = f"remedy offered: {p['kind']}, refund {p['refund_amount']}"
    if Decimal(p["compensation_amount"]) != 0:
        text += f", compensation {p['compensation_amount']}"
    return text


SUMMARIES: Final[Mapping[str, Callable[[Payload], str]]] = MappingProxyType(
    {
        "ComplaintFiled": lambda p: (
            f"complaint filed via {p['channel']}: {p['sku']} ({p['category']}), "
            f"demands {p['demand']}"
        ),
        "CaseTriaged": lambda p: (
            f"triaged to {p['route']}, queue {p['queue']}"
            + (", fast track" if p["fast_track"] else "")
        ),
        "CaseAssigned": lambda p: f"assigned to {p['handler']}",
        "DuplicateSubmissionRecorded": lambda p: (
            f"duplicate submission via {p['channel']} ({p['matched_on']})"
        ),
        "AcknowledgementSent": lambda p: (
            "acknowledgement sent" + (" (soothing tone)" if p["soothing"] else "")
        ),
        "InformationRequested": lambda p: f"information requested: {_cut(_joined(p['items']))}",
        "InformationSupplied": lambda p: f"information supplied ({len(p['evidence'])} evidence)",
        "CallbackScheduled": lambda p: f"callback scheduled for {p['scheduled_for']}",
        "MerchantEvidenceRequested": lambda p: (
            f"merchant evidence requested from {p['merchant_id']}, due {p['deadline']['due_at']}"
        ),
        "MerchantEvidenceSubmitted": lambda p: (
            f"merchant evidence submitted ({len(p['evidence'])} items)"
        ),
        "SpotCheckOrdered": lambda p: f"spot check ordered: {p['method']} ({_cut(p['scope'])})",
        "SpotCheckResultRecorded": lambda p: f"spot check result: {p['outcome']}",
        "EvidenceAssessed": _assessed,
        "LiabilityDetermined": lambda p: f"liability: {p['party']} ({_joined(p['grounds'])})",
        "RemedyOffered": _remedy_offered,
        "RemedyAccepted": lambda p: "remedy accepted",
        "RemedyRejected": lambda p: f"remedy rejected: {_cut(p['rejection'])}",
        "ReturnReceived": lambda p: f"returned goods received ({p['tracking_ref']})",
        "RemedyExecuted": lambda p: f"remedy executed: {p['amount_paid']} paid",
        "CaseClosed": lambda p: f"closed: {p['resolution']}",
        "SatisfactionRecorded": lambda p: f"satisfaction {p['score']}/5",
        "AppealFiled": lambda p: f"appeal filed: {_cut(p['grounds'])}",
        "AppealDecided": lambda p: f"appeal {p['outcome']}",
        "CaseReopened": lambda p: f"reopened: {_cut(p['new_facts'])}",
        "CaseEscalated": lambda p: f"escalated to level {p['level']}: {_cut(p['escalation'])}",
        "CaseReferredToAuthority": lambda p: (
            f"referred to {p['authority']} on {p['referred_on']}, their reference "
            f"{_cut(p['reference'])}"
        ),
        "MerchantPenaltyRecorded": lambda p: (
            f"penalty on merchant {p['merchant_id']}: {_cut(p['penalty'])}"
        ),
        "BatchAlertLinked": lambda p: f"linked to batch alert {p['alert_id']} on {p['sku']}",
        "DeadlineReminderSent": lambda p: f"reminder sent for deadline {p['deadline_id']}",
        "DeadlineExpired": lambda p: f"deadline {p['deadline_id']} expired",
        "SkuQualityRecordOpened": lambda p: f"quality record opened for {p['sku']}",
        "BatchQualityAlertRaised": lambda p: (
            f"batch alert {p['alert_id']} raised on {p['sku']} ({len(p['case_ids'])} cases)"
        ),
        "BatchCaseLinked": lambda p: f"case {p['case_id']} linked to batch alert {p['alert_id']}",
        "BatchSpotCheckResultRecorded": lambda p: (
            f"batch alert {p['alert_id']} spot check result: {p['outcome']}"
        ),
    }
)


def summary_of(event: EventEnvelope) -> str:
    """A short line saying what happened; the event type for a type without a summary."""
    event_type = str(event.event_type)
    describe = SUMMARIES.get(event_type)
    if describe is None:
        return event_type
    try:
        return describe(event.payload)
    except (KeyError, TypeError):
        # A payload of a newer or older shape than the one described: still one line.
        return event_type


def timeline_row(event: EventEnvelope) -> tuple[Any, ...]:
    """The event's row, values in :data:`COLUMNS` order."""
    return (
        event.case_id,
        event.sequence,
        event.event_id,
        event.event_type,
        event.occurred_at,
        event.recorded_at,
        event.actor,
        event.reason,
        event.correlation_id,
        event.causation_id,
        summary_of(event),
        Jsonb(event.payload),
    )


class CaseTimeline(Projection):
    """Every event of every case, with a one-line summary, for case pages and auditors."""

    name = "case_timeline"
    tables = (TIMELINE,)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        if not events:
            return
        cursor.executemany(
            sql.SQL(
                "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (case_id, sequence) DO NOTHING"
            ).format(
                tables[TIMELINE.name],
                sql.SQL(", ").join(map(sql.Identifier, COLUMNS)),
                sql.SQL(", ").join(sql.Placeholder() * len(COLUMNS)),
            ),
            [timeline_row(event) for event in events],
        )

    def memory_fold(self) -> MemoryFold:
        return _TimelineFold()


class _TimelineFold(MemoryFold):
    """Timeline rows are final when made: handed over batch by batch, each (case, sequence) once."""

    def __init__(self) -> None:
        self._seen: set[tuple[Any, int]] = set()
        self._rows: list[tuple[Any, ...]] = []

    def fold(self, events: Sequence[EventEnvelope]) -> None:
        seen, rows = self._seen, self._rows
        for event in events:
            key = (event.case_id, event.sequence)
            if key not in seen:
                seen.add(key)
                rows.append(timeline_row(event))

    def final_rows(self) -> list[TableRows]:
        rows, self._rows = self._rows, []
        return [TableRows(TIMELINE.name, COLUMNS, rows)] if rows else []

    def tables(self) -> list[TableRows]:
        return []
