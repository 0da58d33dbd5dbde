"""Builders for projection tests: cases driven through the domain, their events as published.

Every time is ``T0`` plus some hours, so a test reads as a timeline.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import (
    DeadlineKind,
    LiabilityGround,
    Party,
    ResolutionCode,
)
from complaint_support import T0, find_liable, kettle_complaint, offer_return_and_refund

POLICY = DeadlinePolicy()


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


class Story:
    """One case driven by commands, with the envelope of every event it recorded."""

    def __init__(self, hours: float = 0, n: int = 1, **overrides: Any) -> None:
        self.case = ComplaintCase.file(
            kettle_complaint(n, **overrides), Acting("adapter:web", at(hours)), POLICY
        )
        self.events: list[EventEnvelope] = []
        self._collect()

    def _collect(self) -> list[EventEnvelope]:
        new = [to_envelope(e) for e in self.case.collect_events()]
        self.events.extend(new)
        return new

    def do(self, command: Callable[[ComplaintCase], object]) -> list[EventEnvelope]:
        """Run ``command`` on the case; the envelopes of the events it recorded."""
        command(self.case)
        return self._collect()

    # -- the lifecycle's commands with plausible content

    def acknowledge(self, hours: float) -> Story:
        self.do(
            lambda c: c.acknowledge(
                notification_id="n-1", language="zh", soothing=False, by=system(hours)
            )
        )
        return self

    def request_merchant_evidence(self, hours: float) -> Story:
        self.do(
            lambda c: c.request_merchant_evidence({"complaint": "leaks"}, handler(hours), POLICY)
        )
        return self

    def submit_merchant_evidence(self, hours: float) -> Story:
        self.do(
            lambda c: c.submit_merchant_evidence(
                [{"kind": "quality_certificate", "uri": "s3://qc.pdf"}],
                "batch passed factory QC",
                by=Acting(f"merchant:{c.merchant_id}", at(hours)),
            )
        )
        return self

    def order_spot_check(self, hours: float) -> Story:
        self.do(
            lambda c: c.order_spot_check(
                method="third_party_appraisal",
                scope="this unit",
                lab="lab-1",
                cost_rule="party at fault pays",
                by=handler(hours),
                policy=POLICY,
            )
        )
        return self

    def spot_check_result(self, hours: float, outcome: str = "defect_confirmed") -> Story:
        self.do(
            lambda c: c.record_spot_check_result(
                outcome=outcome,
                report_ref="r-1",
                findings="seal defective",
                cost_payer="merchant",
                by=handler(hours),
            )
        )
        return self

    def determine_liability(
        self,
        hours: float,
        party: Party = Party.MERCHANT,
        grounds: tuple[LiabilityGround, ...] = (LiabilityGround.DEFECT,),
    ) -> Story:
        self.do(lambda c: find_liable(c, handler(hours), party=party, grounds=grounds))
        return self

    def offer_remedy(self, hours: float) -> Story:
        self.do(lambda c: offer_return_and_refund(c, handler(hours), POLICY))
        return self

    def close(self, hours: float, resolution: ResolutionCode = ResolutionCode.WITHDRAWN) -> Story:
        self.do(lambda c: c.close(resolution, "done", by=handler(hours), policy=POLICY))
        return self

    def link_batch_alert(self, alert_id: str, hours: float) -> Story:
        self.do(
            lambda c: c.link_batch_alert(
                alert_id=alert_id,
                sku=c.sku,
                by=Acting("system:batch-quality", at(hours)),
                policy=POLICY,
            )
        )
        return self

    def expire(self, kind: DeadlineKind, hours: float) -> Story:
        deadline = next(d for d in self.case.deadlines.values() if d.kind is kind and d.is_running)
        self.do(lambda c: c.expire_deadline(deadline.deadline_id, system(hours), POLICY))
        return self


def handler(hours: float) -> Acting:
    return Acting("handler:h-1", at(hours))


def system(hours: float) -> Acting:
    return Acting("system:deadline-keeper", at(hours))


@pytest.fixture
def story() -> Callable[..., Story]:
    """``story(hours=0, n=1, **overrides)``: a case filed at ``T0 + hours``."""
    return Story


@pytest.fixture(name="at")
def at_fixture() -> Callable[[float], datetime]:
    """``at(h)``: the instant ``h`` hours after ``T0``."""
    return at


def count_all(
    fold: Callable[[dict[str, Any] | None, EventEnvelope], tuple[Any, Any]],
    events: list[EventEnvelope],
) -> dict[tuple[str, tuple[Any, ...]], dict[str, Any]]:
    """Fold ``events`` (any cases, in order) and sum the counts per (table, key)."""
    facts: dict[Any, Any] = {}
    totals: dict[tuple[str, tuple[Any, ...]], dict[str, Any]] = {}
    for event in events:
        facts[event.case_id], counts = fold(facts.get(event.case_id), event)
        for table, key, changes in counts:
            row = totals.setdefault((table, key), {})
            for counter, change in changes.items():
                row[counter] = row.get(counter, 0) + change
    return totals


@pytest.fixture
def counted() -> Callable[..., dict[tuple[str, tuple[Any, ...]], dict[str, Any]]]:
    """``counted(fold, events)``: the summed counts of a counter fold, per (table, key)."""
    return count_all
