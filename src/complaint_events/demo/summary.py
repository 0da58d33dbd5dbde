"""The demo's figures, computed from the published envelopes alone (pure Python, no SQL).

The case stage comes from the case-summary projection's own fold
(:func:`complaint_events.projections.case_summary.fold_case`), so the demo and the PostgreSQL
read model cannot disagree about where a case stands.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.demo.funnel import STEP_OF_EVENT, FunnelStep, funnel_of
from complaint_events.demo.open_cases import OpenCase, open_cases
from complaint_events.domain.status import CaseStatus
from complaint_events.projections.case_summary import fold_case

ACK_PROMISE = timedelta(hours=24)


@dataclass
class Summary:
    """The figures of the final table and the report."""

    cases: int = 0
    events: int = 0
    by_stage: Counter[str] = field(default_factory=Counter)
    by_outcome: Counter[str] = field(default_factory=Counter)
    by_resolution: Counter[str] = field(default_factory=Counter)  # closed cases, why closed
    open_by_stage: Counter[str] = field(default_factory=Counter)
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
    escalations_by_level: Counter[int] = field(default_factory=Counter)
    referrals: Counter[str] = field(default_factory=Counter)  # authority -> cases referred
    spot_checks: int = 0
    spot_check_results: Counter[str] = field(default_factory=Counter)
    appeals: Counter[str] = field(default_factory=Counter)
    compensation_offered: Decimal = Decimal(0)
    paid: Decimal = Decimal(0)
    satisfaction: list[int] = field(default_factory=list)
    funnel: list[FunnelStep] = field(default_factory=list)
    open_cases: list[OpenCase] = field(default_factory=list)
    last_event_at: datetime | None = None
    outcomes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # channel ref -> outcome

    @property
    def sla_rate(self) -> float:
        return self.sla_met / self.cases if self.cases else 1.0

    @property
    def mean_satisfaction(self) -> float | None:
        return sum(self.satisfaction) / len(self.satisfaction) if self.satisfaction else None

    @property
    def closed(self) -> int:
        return self.by_resolution.total()


def summarise(envelopes: Iterable[EventEnvelope]) -> Summary:  # noqa: PLR0915
    """Fold the event log into the summary figures."""
    s = Summary()
    rows: dict[UUID, dict[str, Any]] = {}
    refs: dict[UUID, str] = {}
    seen: defaultdict[str, set[UUID]] = defaultdict(set)
    escalated: set[UUID] = set()
    alerts: set[str] = set()
    furthest: dict[UUID, int] = {}
    for e in envelopes:
        s.events += 1
        s.last_event_at = e.recorded_at
        step = STEP_OF_EVENT.get(e.event_type)
        if step is not None:
            furthest[e.case_id] = max(step, furthest.get(e.case_id, 0))
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
            s.escalations_by_level[int(p["level"])] += 1
        elif e.event_type == "CaseReferredToAuthority":
            s.referrals[str(p["authority"])] += 1
        elif e.event_type == "SpotCheckOrdered":
            s.spot_checks += 1
        elif e.event_type == "SpotCheckResultRecorded":
            s.spot_check_results[str(p["outcome"])] += 1
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
        if row["status"] == CaseStatus.CLOSED:
            s.by_resolution[row["resolution"]] += 1
        else:
            s.open_by_stage[row["stage"]] += 1
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
    s.funnel = funnel_of(
        (furthest.get(case_id, 0), row["status"] == CaseStatus.CLOSED)
        for case_id, row in rows.items()
    )
    s.open_cases = open_cases((refs[case_id], row) for case_id, row in rows.items())
    return s
