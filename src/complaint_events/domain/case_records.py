"""Typed views of a case's decisions: its liability finding, remedy offer and spot checks.

The aggregate (:mod:`complaint_events.domain.case`) keeps these records as the
plain values its events carry, which is what the case's state shows as JSON
(``complaint-events case show``). Code that decides something from them (the
API's case views and suggestions, the batch processor, the demo's actors)
reads these values instead, by attribute, with the enums the rules take.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from complaint_events.domain.values import LiabilityGround, Party, RemedyKind, SpotCheckOutcome


@dataclass(frozen=True, slots=True)
class LiabilityFinding:
    """Who is liable and on which grounds (``LiabilityDetermined``)."""

    party: Party
    grounds: tuple[LiabilityGround, ...]
    rule_refs: tuple[str, ...]
    testing_cost_payer: Party
    at: datetime

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> LiabilityFinding:
        return cls(
            party=Party(record["party"]),
            grounds=tuple(LiabilityGround(g) for g in record["grounds"]),
            rule_refs=tuple(record["rule_refs"]),
            testing_cost_payer=Party(record["testing_cost_payer"]),
            at=record["at"],
        )


@dataclass(frozen=True, slots=True)
class RemedyOffer:
    """The remedy offered last (``RemedyOffered``) and the consumer's answer, if any."""

    kind: RemedyKind
    refund_amount: Decimal
    compensation_amount: Decimal
    answer: str | None  # "accepted", "rejected", or None while open
    offered_at: datetime

    @property
    def amount(self) -> Decimal:
        """What executing it pays: the refund and the compensation."""
        return self.refund_amount + self.compensation_amount

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> RemedyOffer:
        return cls(
            kind=RemedyKind(record["kind"]),
            refund_amount=Decimal(record["refund_amount"]),
            compensation_amount=Decimal(record["compensation_amount"]),
            answer=record["answer"],
            offered_at=record["offered_at"],
        )


@dataclass(frozen=True, slots=True)
class SpotCheck:
    """One spot check (``SpotCheckOrdered``) and its outcome once recorded."""

    scope: str  # "batch:<alert id>" for a batch alert's one check
    outcome: SpotCheckOutcome | None  # None while testing runs
    ordered_at: datetime
    reports_lateness: bool

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> SpotCheck:
        outcome = record["outcome"]
        return cls(
            scope=record["scope"],
            outcome=None if outcome is None else SpotCheckOutcome(outcome),
            ordered_at=record["ordered_at"],
            reports_lateness=bool(record.get("reports_lateness", True)),
        )
