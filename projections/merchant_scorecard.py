"""Merchant scorecards: complaints, liability, answers to evidence requests, penalties.

``merchant_liable`` counts the merchant's cases whose *current* liability
decision names the merchant: a revised decision moves the case in or out.
``default_judgments`` counts decisions on the ``silent_merchant`` ground (the
merchant did not answer within the deadline and the consumer's photos show the
defect). The projection remembers per case, in its own facts table, whose case
it is, the current liable party and when evidence was last requested.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

from psycopg import Cursor

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.values import LiabilityGround, Party
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

SCORECARD = TableSpec(
    "merchant_scorecard",
    "merchant_id text PRIMARY KEY, complaints bigint NOT NULL,"
    " liability_decided bigint NOT NULL, merchant_liable bigint NOT NULL,"
    " evidence_requests bigint NOT NULL, evidence_responses bigint NOT NULL,"
    " response_seconds_total numeric(20, 6) NOT NULL, default_judgments bigint NOT NULL,"
    " penalties bigint NOT NULL",
    added=(
        ratio("merchant_liable_ratio", "merchant_liable", "liability_decided"),
        mean_hours("response_mean_hours", "response_seconds_total", "evidence_responses"),
    ),
    schema=READ_MODELS_SCHEMA,
    comment=(
        "One row per merchant: how often complained about, found liable, answering evidence"
        " requests, penalised. Counts over all time; response times as a sum in seconds and"
        " a mean in hours, the liability share between 0 and 1."
    ),
    column_comments={
        "merchant_id": "The merchant's id.",
        "complaints": "Complaints filed against the merchant (a count).",
        "liability_decided": "Of them, cases with a liability decision (a count).",
        "merchant_liable": "Of those, cases whose current decision names the merchant (a count).",
        "evidence_requests": "Evidence requests sent to the merchant (a count).",
        "evidence_responses": "Evidence the merchant submitted in answer (a count).",
        "response_seconds_total": "Sum over the answers of request -> answer, seconds.",
        "default_judgments": (
            "Liability decisions on the silent_merchant ground: the merchant did not answer"
            " in time (a count)."
        ),
        "penalties": "Penalties recorded against the merchant (a count).",
        "merchant_liable_ratio": (
            "Share of decided cases the merchant is liable for, 0-1:"
            " merchant_liable / liability_decided."
        ),
        "response_mean_hours": (
            "Mean hours from evidence request to answer:"
            " response_seconds_total / evidence_responses / 3600."
        ),
    },
)
FACTS = TableSpec(
    "merchant_case_facts",
    "case_id uuid PRIMARY KEY, merchant_id text NOT NULL, liability_party text,"
    " evidence_requested_at timestamptz, last_sequence bigint NOT NULL",
    schema=READ_MODELS_SCHEMA,
    comment=(
        "The merchant_scorecard projection's memory, one row per case: whose case it is and"
        " what was decided, so that later events count right. Query merchant_scorecard."
    ),
    column_comments={
        "case_id": "The case's id.",
        "merchant_id": "The merchant complained about.",
        "liability_party": "Who is liable by the current decision; NULL until decided.",
        "evidence_requested_at": "When evidence was last requested and not yet answered (UTC).",
        "last_sequence": "Sequence number of the last event applied (a count).",
    },
)

COUNTERS: Final = (
    "complaints", "liability_decided", "merchant_liable", "evidence_requests",
    "evidence_responses", "response_seconds_total", "default_judgments", "penalties",
)  # fmt: skip
FACT_COLUMNS: Final = (
    "case_id", "merchant_id", "liability_party", "evidence_requested_at", "last_sequence",
)  # fmt: skip

NAMES_THE_MERCHANT: Final = frozenset(
    {"ComplaintFiled", "MerchantEvidenceRequested", "MerchantPenaltyRecorded"}
)
"""Events whose payload carries ``merchant_id``: enough to start a case's facts mid-stream."""


def fold_merchant(facts: Row | None, event: EventEnvelope) -> tuple[Row | None, list[Count]]:
    """A case's merchant facts after ``event``, and the changes to its merchant's scorecard."""
    counts: list[Count] = []
    if facts is None:
        if event.event_type not in NAMES_THE_MERCHANT:
            return None, counts  # whose case it is is not known yet
        facts = {
            "case_id": event.case_id,
            "merchant_id": event.payload["merchant_id"],
            "liability_party": None,
            "evidence_requested_at": None,
            "last_sequence": 0,
        }
    elif event.sequence <= facts["last_sequence"]:
        return facts, counts
    else:
        facts = dict(facts)
    merchant, at, kind, payload = (
        facts["merchant_id"],
        event.recorded_at,
        event.event_type,
        event.payload,
    )

    def count(merchant_id: str = merchant, **changes: Number) -> None:
        counts.append((SCORECARD.name, (merchant_id,), changes))

    if kind == "ComplaintFiled":
        count(complaints=1)
    elif kind == "LiabilityDetermined":
        was, now = facts["liability_party"], payload["party"]
        count(
            liability_decided=int(was is None),
            merchant_liable=int(now == Party.MERCHANT) - int(was == Party.MERCHANT),
            default_judgments=int(LiabilityGround.SILENT_MERCHANT in payload["grounds"]),
        )
        facts["liability_party"] = now
    elif kind == "MerchantEvidenceRequested":
        count(evidence_requests=1)
        facts["evidence_requested_at"] = at
    elif kind == "MerchantEvidenceSubmitted":
        requested = facts["evidence_requested_at"]
        if requested is None:
            count(evidence_responses=1)
        else:
            count(evidence_responses=1, response_seconds_total=seconds_between(requested, at))
        facts["evidence_requested_at"] = None
    elif kind == "MerchantPenaltyRecorded":
        count(payload["merchant_id"], penalties=1)
    facts["last_sequence"] = event.sequence
    return facts, counts


class MerchantScorecard(Projection):
    """Per merchant: how often complained about, found liable, answering on time, penalised."""

    name = "merchant_scorecard"
    tables = (SCORECARD, FACTS)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        facts_table = tables[FACTS.name]
        facts = load_rows(cursor, facts_table, FACT_COLUMNS, "case_id", {e.case_id for e in events})
        changed, counts = fold_batch(facts, events, fold_merchant)
        upsert_rows(cursor, facts_table, FACT_COLUMNS, "case_id", changed.values())
        deltas = sum_counts(counts, {SCORECARD.name: COUNTERS})
        add_counters(cursor, tables[SCORECARD.name], ("merchant_id",), deltas[SCORECARD.name])

    def memory_fold(self) -> MemoryFold:
        return FactsAndCounters(
            fold_merchant,
            FACTS.name,
            FACT_COLUMNS,
            {SCORECARD.name: Counters(("merchant_id",), COUNTERS)},
        )
