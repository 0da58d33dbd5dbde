"""The demo's figures, computed from the published envelopes alone (pure Python, no SQL).

The case stage comes from the case-summary projection's own fold
(:func:`complaint_events.projections.case_summary.fold_case`), so the demo and the PostgreSQL
read model cannot disagree about where a case stands.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.projections.case_summary import fold_case

ACK_PROMISE = timedelta(hours=24)

FUNNEL_STEPS = (
    ("filed", "ComplaintFiled"),
    ("acknowledged", "AcknowledgementSent"),
    ("liability determined", "LiabilityDetermined"),
    ("remedy offered", "RemedyOffered"),
    ("remedy accepted", "RemedyAccepted"),
    ("remedy executed", "RemedyExecuted"),
    ("closed", "CaseClosed"),
    ("survey answered", "SatisfactionRecorded"),
)


@dataclass
class Summary:
    """The figures of the final table and the report."""

    cases: int = 0
    events: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_language: Counter[str] = field(default_factory=Counter)
    top_merchants: list[tuple[str, int]] = field(default_factory=list)
    top_skus: list[tuple[str, int]] = field(default_factory=list)
    sla_met: int = 0
    sla_by_day: dict[date, tuple[int, int]] = field(default_factory=dict)  # day -> (met, filed)
    default_judgments: int = 0
    batch_alerts: int = 0
    batch_linked_cases: int = 0
    duplicates: int = 0
    escalated_cases: int = 0
    spot_checks: int = 0
    appeals: Counter[str] = field(default_factory=Counter)
    compensation_offered: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    satisfaction: list[int] = field(default_factory=list)
    funnel: list[tuple[str, int]] = field(default_factory=list)
    outcomes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # channel ref -> outcome

    @property
    def sla_rate(self) -> float:
        return self.sla_met / self.cases if self.cases else 1.0

    @property
    def mean_satisfaction(self) -> float | None:
        return sum(self.satisfaction) / len(self.satisfaction) if self.satisfaction else None


def summarise(envelopes: Iterable[EventEnvelope]) -> Summary:  # noqa: PLR0915
    """Fold the event log into the summary figures."""
    s = Summary()
    rows: dict[UUID, dict[str, Any]] = {}
    refs: dict[UUID, str] = {}
    seen: defaultdict[str, set[UUID]] = defaultdict(set)
    escalated: set[UUID] = set()
    alerts: set[str] = set()
    for e in envelopes:
        s.events += 1
        row = fold_case(rows.get(e.case_id), e)
        if row is not None:
            rows[e.case_id] = row
        seen[e.event_type].add(e.case_id)
        p = e.payload
        if e.event_type == "ComplaintFiled":
            refs[e.case_id] = f"{p['channel']}:{p['channel_ref']}"
            s.by_language[str(p.get("language", "zh"))] += 1
        elif e.event_type == "LiabilityDetermined" and "silent_merchant" in p.get("grounds", []):
            s.default_judgments += 1
        elif e.event_type == "BatchAlertLinked":
            alerts.add(str(p["alert_id"]))
        elif e.event_type == "DuplicateSubmissionRecorded":
            s.duplicates += 1
        elif e.event_type == "CaseEscalated":
            escalated.add(e.case_id)
        elif e.event_type == "SpotCheckOrdered":
            s.spot_checks += 1
        elif e.event_type == "AppealDecided":
            s.appeals[str(p["outcome"])] += 1
        elif e.event_type == "AppealFiled":
            s.appeals["filed"] += 1
        elif e.event_type == "RemedyOffered":
            s.compensation_offered += Decimal(str(p["compensation_amount"]))
        elif e.event_type == "RemedyExecuted":
            s.paid += Decimal(str(p["amount_paid"]))
        elif e.event_type == "SatisfactionRecorded":
            s.satisfaction.append(int(p["score"]))
    s.cases = len(rows)
    s.escalated_cases = len(escalated)
    s.batch_alerts = len(alerts)
    s.batch_linked_cases = len(seen["BatchAlertLinked"])
    merchants: Counter[str] = Counter()
    skus: Counter[str] = Counter()
    per_day: defaultdict[date, list[int]] = defaultdict(lambda: [0, 0])
    for case_id, row in rows.items():
        s.by_stage[row["stage"]] += 1
        s.by_outcome[row["resolution"] or f"open: {row['status']}"] += 1
        s.by_channel[row["channel"]] += 1
        merchants[row["merchant_id"]] += 1
        skus[row["sku"]] += 1
        acked = row["acknowledged_at"]
        met = acked is not None and acked - row["filed_at"] <= ACK_PROMISE
        s.sla_met += met
        day = per_day[row["filed_at"].date()]
        day[0] += met
        day[1] += 1
        s.outcomes[refs[case_id]] = (
            str(row["status"]),
            str(row["resolution"]),
            str(row["liability_party"]),
            str(row["remedy_kind"]),
            str(row["amount_paid"]),
        )
    s.sla_by_day = {d: (v[0], v[1]) for d, v in sorted(per_day.items())}
    s.top_merchants = merchants.most_common(8)
    s.top_skus = skus.most_common(8)
    s.funnel = [(label, len(seen[event])) for label, event in FUNNEL_STEPS]
    return s
