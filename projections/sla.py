"""SLA compliance per filing day and channel: acknowledgements, merchant answers, closures.

Each case counts in the cohort of the UTC day it was filed and its channel, so a
day's row says how that day's complaints were served, however long they took.
What the counters need to remember about a case (its cohort, its clocks, when
it was acknowledged and closed) is kept in this projection's own facts table;
the clocks are folded by the same rules as the case summary's
(:func:`complaint_events.processing.deadline_fold.fold_deadlines`), held as
:class:`~complaint_events.domain.deadlines.Deadline` values while folding and
stored as JSON.

A reply is *in time* when it is recorded at or before its clock's due time; a
clock paused by a spot check does not run, so a reply during the pause is in
time when the clock had not run out before the pause began.

``closed`` counts the cohort's cases that are closed now (a reopened case, or
one whose appeal is upheld, leaves the count until it closes again);
``close_seconds_total`` is the sum of their times from filing to closure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Final

from psycopg import Cursor

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import DeadlineKind
from complaint_events.processing.deadline_fold import fold_deadlines, running_deadline
from complaint_events.processing.deadline_json import deadlines_from_json, deadlines_json
from complaint_events.projections.base import Projection, Tables, TableSpec
from complaint_events.projections.derived_columns import mean_hours, ratio
from complaint_events.projections.memory_fold import Counters, FactsAndCounters, MemoryFold
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA
from complaint_events.projections.table_io import (
    Count,
    Number,
    Row,
    add_counters,
    fold_batch,
    load_rows,
    seconds_between,
    sum_counts,
    upsert_rows,
)

DAILY = TableSpec(
    "sla_daily",
    "day date NOT NULL, channel text NOT NULL,"
    " cases_filed bigint NOT NULL, acknowledged bigint NOT NULL,"
    " acknowledged_in_time bigint NOT NULL, ack_seconds_total numeric(20, 6) NOT NULL,"
    " merchant_requests bigint NOT NULL, merchant_responses bigint NOT NULL,"
    " merchant_responses_in_time bigint NOT NULL,"
    " merchant_response_seconds_total numeric(20, 6) NOT NULL,"
    " closed bigint NOT NULL, close_seconds_total numeric(20, 6) NOT NULL,"
    " PRIMARY KEY (day, channel)",
    added=(
        mean_hours("ack_mean_hours", "ack_seconds_total", "acknowledged"),
        ratio("ack_in_time_ratio", "acknowledged_in_time", "acknowledged"),
        mean_hours(
            "merchant_response_mean_hours", "merchant_response_seconds_total", "merchant_responses"
        ),
        ratio(
            "merchant_response_in_time_ratio", "merchant_responses_in_time", "merchant_responses"
        ),
        mean_hours("close_mean_hours", "close_seconds_total", "closed"),
    ),
    schema=READ_MODELS_SCHEMA,
    comment=(
        "One row per UTC filing day and channel: how that day's complaints were served."
        " Each case counts in the row of the day it was filed, however long it took; sums"
        " of durations are in seconds, their means in hours (NULL when nothing to average),"
        " ratios between 0 and 1."
    ),
    column_comments={
        "day": "UTC day the cases were filed.",
        "channel": "Where they came in: web, app, chat, hotline, email, social, review.",
        "cases_filed": "Complaints filed that day on that channel (a count).",
        "acknowledged": "Of them, acknowledged (a count).",
        "acknowledged_in_time": "Of them, acknowledged by the acknowledgement deadline (a count).",
        "ack_seconds_total": (
            "Sum over the acknowledged cases of filing -> acknowledgement, in seconds."
        ),
        "merchant_requests": "Evidence requests to merchants in these cases (a count).",
        "merchant_responses": "Merchant answers to those requests (a count).",
        "merchant_responses_in_time": "Of the answers, given by their deadline (a count).",
        "merchant_response_seconds_total": ("Sum over the answers of request -> answer, seconds."),
        "closed": "Of the cases, closed now (a reopened case leaves until closed again; a count).",
        "close_seconds_total": "Sum over the closed cases of filing -> closure, seconds.",
        "ack_mean_hours": (
            "Mean hours from filing to acknowledgement: ack_seconds_total / acknowledged / 3600."
        ),
        "ack_in_time_ratio": (
            "Share acknowledged in time, 0-1: acknowledged_in_time / acknowledged."
        ),
        "merchant_response_mean_hours": (
            "Mean hours from evidence request to the merchant's answer:"
            " merchant_response_seconds_total / merchant_responses / 3600."
        ),
        "merchant_response_in_time_ratio": (
            "Share of merchant answers in time, 0-1:"
            " merchant_responses_in_time / merchant_responses."
        ),
        "close_mean_hours": (
            "Mean hours from filing to closure: close_seconds_total / closed / 3600."
        ),
    },
)
FACTS = TableSpec(
    "sla_case_facts",
    "case_id uuid PRIMARY KEY, day date NOT NULL, channel text NOT NULL,"
    " filed_at timestamptz NOT NULL, deadlines jsonb NOT NULL,"
    " acknowledged_at timestamptz, closed_at timestamptz, last_sequence bigint NOT NULL",
    schema=READ_MODELS_SCHEMA,
    comment=(
        "The sla projection's memory, one row per case: its cohort and clocks, so that later"
        " events count in the right sla_daily row. Kept for the projection; query sla_daily."
    ),
    column_comments={
        "case_id": "The case's id.",
        "day": "UTC day it was filed (its sla_daily row).",
        "channel": "Channel it came in on (its sla_daily row).",
        "filed_at": "When it was filed (UTC).",
        "deadlines": "JSON object of its clocks by deadline id, as in case_summary.deadlines.",
        "acknowledged_at": "When it was first acknowledged (UTC); NULL before.",
        "closed_at": "When it was closed (UTC); NULL while open.",
        "last_sequence": "Sequence number of the last event applied (a count).",
    },
)

COHORT_KEY: Final = ("day", "channel")
COUNTERS: Final = (
    "cases_filed", "acknowledged", "acknowledged_in_time", "ack_seconds_total",
    "merchant_requests", "merchant_responses", "merchant_responses_in_time",
    "merchant_response_seconds_total", "closed", "close_seconds_total",
)  # fmt: skip
FACT_COLUMNS: Final = (
    "case_id", "day", "channel", "filed_at", "deadlines", "acknowledged_at", "closed_at",
    "last_sequence",
)  # fmt: skip


def in_time(deadline: Deadline | None, at: datetime) -> bool:
    """Whether a reply at ``at`` meets the running clock ``deadline`` (none running: late)."""
    if deadline is None:
        return False
    if deadline.state is DeadlineState.PAUSED and deadline.paused_at is not None:
        at = min(at, deadline.paused_at)  # the clock stopped at the pause
    return at <= deadline.due_at


def fold_sla(facts: Row | None, event: EventEnvelope) -> tuple[Row | None, list[Count]]:
    """A case's SLA facts after ``event``, and the changes to its cohort's counters."""
    counts: list[Count] = []
    if facts is None:
        if event.event_type != "ComplaintFiled":
            return None, counts  # filed before this projection's history: no cohort
        facts = {
            "case_id": event.case_id,
            "day": event.recorded_at.astimezone(UTC).date(),
            "channel": event.payload["channel"],
            "filed_at": event.recorded_at,
            "deadlines": {},
            "acknowledged_at": None,
            "closed_at": None,
            "last_sequence": 0,
        }
    elif event.sequence <= facts["last_sequence"]:
        return facts, counts
    else:
        facts = dict(facts)

    cohort = (facts["day"], facts["channel"])

    def count(**changes: Number) -> None:
        counts.append((DAILY.name, cohort, changes))

    at, kind, clocks = event.recorded_at, event.event_type, facts["deadlines"]
    if kind == "ComplaintFiled":
        count(cases_filed=1)
    elif kind == "AcknowledgementSent" and facts["acknowledged_at"] is None:
        facts["acknowledged_at"] = at
        count(
            acknowledged=1,
            acknowledged_in_time=int(
                in_time(running_deadline(clocks, DeadlineKind.ACKNOWLEDGEMENT), at)
            ),
            ack_seconds_total=seconds_between(facts["filed_at"], at),
        )
    elif kind == "MerchantEvidenceRequested":
        count(merchant_requests=1)
    elif kind == "MerchantEvidenceSubmitted":
        request = running_deadline(clocks, DeadlineKind.MERCHANT_EVIDENCE)
        if request is None:
            count(merchant_responses=1)
        else:
            count(
                merchant_responses=1,
                merchant_responses_in_time=int(in_time(request, at)),
                merchant_response_seconds_total=seconds_between(request.started_at, at),
            )
    elif kind == "CaseClosed" and facts["closed_at"] is None:
        facts["closed_at"] = at
        count(closed=1, close_seconds_total=seconds_between(facts["filed_at"], at))
    elif _reopens(event) and facts["closed_at"] is not None:
        count(
            closed=-1, close_seconds_total=-seconds_between(facts["filed_at"], facts["closed_at"])
        )
        facts["closed_at"] = None
    facts["deadlines"] = fold_deadlines(clocks, event)
    facts["last_sequence"] = event.sequence
    return facts, counts


def _reopens(event: EventEnvelope) -> bool:
    if event.event_type == "CaseReopened":
        return True
    return bool(
        event.event_type == "AppealDecided" and event.payload["status"] != CaseStatus.CLOSED
    )


class SlaCompliance(Projection):
    """How quickly each day's complaints were acknowledged, answered and closed, per channel."""

    name = "sla"
    tables = (DAILY, FACTS)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        facts_table = tables[FACTS.name]
        facts = load_rows(cursor, facts_table, FACT_COLUMNS, "case_id", {e.case_id for e in events})
        for row in facts.values():
            row["deadlines"] = deadlines_from_json(row["deadlines"])
        changed, counts = fold_batch(facts, events, fold_sla)
        stored = [
            {**row, "deadlines": deadlines_json(row["deadlines"])} for row in changed.values()
        ]
        upsert_rows(cursor, facts_table, FACT_COLUMNS, "case_id", stored, ("deadlines",))
        deltas = sum_counts(counts, {DAILY.name: COUNTERS})
        add_counters(cursor, tables[DAILY.name], COHORT_KEY, deltas[DAILY.name])

    def memory_fold(self) -> MemoryFold:
        return FactsAndCounters(
            fold_sla,
            FACTS.name,
            FACT_COLUMNS,
            {DAILY.name: Counters(COHORT_KEY, COUNTERS)},
            json_columns=("deadlines",),
            stored=lambda row: {**row, "deadlines": deadlines_json(row["deadlines"])},
        )
