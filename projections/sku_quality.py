"""Product quality per SKU: complaints, spot-check results, confirmed defects, batch alerts.

``defects_confirmed`` counts spot-check results that found the defect (a failed
check); ``batch_alerts`` counts the distinct batch-quality alerts the SKU's
cases were linked to, kept one row per alert in ``sku_quality_alerts`` with how
many cases each linked. Which SKU a case is about is remembered per case in
this projection's own facts table, since a spot-check result does not name it.

Not to be confused with the SKU-level aggregate
:class:`complaint_events.domain.sku_quality.SkuQuality`, which records the alerts
themselves; this read model counts what the cases' own events say.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, Final

from psycopg import Cursor, sql

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.values import SpotCheckOutcome
from complaint_events.projections.base import Projection, Tables, TableSpec
from complaint_events.projections.derived_columns import ratio
from complaint_events.projections.memory_fold import (
    Counters,
    FactsAndCounters,
    MemoryFold,
    TableRows,
)
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA
from complaint_events.projections.table_io import (
    Count,
    CounterDeltas,
    Row,
    add_counters,
    fold_batch,
    load_rows,
    sum_counts,
    upsert_rows,
)

QUALITY = TableSpec(
    "sku_quality",
    "sku text PRIMARY KEY, complaints bigint NOT NULL, spot_check_results bigint NOT NULL,"
    " defects_confirmed bigint NOT NULL, batch_alerts bigint NOT NULL",
    added=(ratio("defect_ratio", "defects_confirmed", "spot_check_results"),),
    schema=READ_MODELS_SCHEMA,
    comment=(
        "One row per SKU: complaints, spot-check results, confirmed defects and batch-quality"
        " alerts, counted from the cases' own events over all time."
    ),
    column_comments={
        "sku": "The product's SKU.",
        "complaints": "Complaints filed about the SKU (a count).",
        "spot_check_results": "Spot-check results recorded in its cases (a count).",
        "defects_confirmed": "Of them, results that confirmed the defect (a count).",
        "batch_alerts": "Distinct batch-quality alerts its cases were linked to (a count).",
        "defect_ratio": (
            "Share of spot-check results that confirmed the defect, 0-1:"
            " defects_confirmed / spot_check_results."
        ),
    },
)
ALERTS = TableSpec(
    "sku_quality_alerts",
    "sku text NOT NULL, alert_id text NOT NULL, cases_linked bigint NOT NULL,"
    " PRIMARY KEY (sku, alert_id)",
    schema=READ_MODELS_SCHEMA,
    comment="One row per batch-quality alert of a SKU: how many of its cases it linked.",
    column_comments={
        "sku": "The product's SKU.",
        "alert_id": "The batch-quality alert's id.",
        "cases_linked": "Cases linked to the alert (a count).",
    },
)
FACTS = TableSpec(
    "sku_case_facts",
    "case_id uuid PRIMARY KEY, sku text NOT NULL, last_sequence bigint NOT NULL",
    schema=READ_MODELS_SCHEMA,
    comment=(
        "The sku_quality projection's memory, one row per case: which SKU it is about (a"
        " spot-check result does not say). Query sku_quality."
    ),
    column_comments={
        "case_id": "The case's id.",
        "sku": "The product's SKU.",
        "last_sequence": "Sequence number of the last event applied (a count).",
    },
)

COUNTERS: Final = ("complaints", "spot_check_results", "defects_confirmed")
FACT_COLUMNS: Final = ("case_id", "sku", "last_sequence")

NAMES_THE_SKU: Final = frozenset({"ComplaintFiled", "BatchAlertLinked"})
"""Case events whose payload carries ``sku``: enough to start a case's facts mid-stream."""


def fold_sku(facts: Row | None, event: EventEnvelope) -> tuple[Row | None, list[Count]]:
    """A case's SKU facts after ``event``, and the changes to its SKU's counters."""
    counts: list[Count] = []
    if facts is None:
        if event.event_type not in NAMES_THE_SKU:
            return None, counts
        facts = {"case_id": event.case_id, "sku": event.payload["sku"], "last_sequence": 0}
    elif event.sequence <= facts["last_sequence"]:
        return facts, counts
    else:
        facts = dict(facts)
    sku, kind, payload = facts["sku"], event.event_type, event.payload
    if kind == "ComplaintFiled":
        counts.append((QUALITY.name, (sku,), {"complaints": 1}))
    elif kind == "SpotCheckResultRecorded":
        defect = payload["outcome"] == SpotCheckOutcome.DEFECT_CONFIRMED
        counts.append(
            (QUALITY.name, (sku,), {"spot_check_results": 1, "defects_confirmed": int(defect)})
        )
    elif kind == "BatchAlertLinked":
        counts.append((ALERTS.name, (sku, payload["alert_id"]), {"cases_linked": 1}))
        counts.append((QUALITY.name, (sku,), {}))  # its batch_alerts is counted again
    facts["last_sequence"] = event.sequence
    return facts, counts


class SkuQualityProjection(Projection):
    """Per SKU: complaints, spot checks and confirmed defects, batch-quality alerts."""

    name = "sku_quality"
    tables = (QUALITY, ALERTS, FACTS)

    def apply(self, cursor: Cursor[Any], tables: Tables, events: Sequence[EventEnvelope]) -> None:
        facts_table = tables[FACTS.name]
        facts = load_rows(cursor, facts_table, FACT_COLUMNS, "case_id", {e.case_id for e in events})
        changed, counts = fold_batch(facts, events, fold_sku)
        upsert_rows(cursor, facts_table, FACT_COLUMNS, "case_id", changed.values())
        deltas = sum_counts(counts, {QUALITY.name: COUNTERS, ALERTS.name: ("cases_linked",)})
        add_counters(cursor, tables[ALERTS.name], ("sku", "alert_id"), deltas[ALERTS.name])
        _add_sku_counters(cursor, tables, deltas[QUALITY.name])

    def memory_fold(self) -> MemoryFold:
        return _SkuFold(
            fold_sku,
            FACTS.name,
            FACT_COLUMNS,
            {
                QUALITY.name: Counters(("sku",), COUNTERS),
                ALERTS.name: Counters(("sku", "alert_id"), ("cases_linked",)),
            },
        )


class _SkuFold(FactsAndCounters):
    """The counters folded in memory, and each SKU's batch_alerts counted from its alerts."""

    def tables(self) -> list[TableRows]:
        alerts = Counter(sku for (sku, _alert), _sums in self.deltas[ALERTS.name].items())
        quality = TableRows(
            QUALITY.name,
            ("sku", *COUNTERS, "batch_alerts"),
            (
                (sku, *(sums[c] for c in COUNTERS), alerts[sku])
                for (sku,), sums in self.deltas[QUALITY.name].items()
            ),
        )
        return [self.facts_rows(), self.counter_rows(ALERTS.name), quality]


def _add_sku_counters(cursor: Cursor[Any], tables: Tables, deltas: CounterDeltas) -> None:
    # Like add_counters, and batch_alerts recounted from the alerts table written just before.
    if not deltas:
        return
    statement = sql.SQL(
        "INSERT INTO {quality} AS t (sku, {counters}, batch_alerts)"
        " VALUES (%s, {values}, (SELECT count(*) FROM {alerts} a WHERE a.sku = %s))"
        " ON CONFLICT (sku) DO UPDATE SET {add}, batch_alerts = EXCLUDED.batch_alerts"
    ).format(
        quality=tables[QUALITY.name],
        alerts=tables[ALERTS.name],
        counters=sql.SQL(", ").join(map(sql.Identifier, COUNTERS)),
        values=sql.SQL(", ").join(sql.Placeholder() * len(COUNTERS)),
        add=sql.SQL(", ").join(
            sql.SQL("{0} = t.{0} + EXCLUDED.{0}").format(sql.Identifier(c)) for c in COUNTERS
        ),
    )
    cursor.executemany(
        statement,
        [(sku, *(sums[c] for c in COUNTERS), sku) for (sku,), sums in deltas.items()],
    )
