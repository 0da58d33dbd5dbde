"""What the query endpoints answer: one ``*Public`` model per resource.

Money is a decimal string (as in the event contracts), times are ISO 8601 with
their offset. Every field has a description, so the OpenAPI document says
what a client gets.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class PublicModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class DeadlinePublic(PublicModel):
    """One clock of a case (docs/deadlines.md)."""

    deadline_id: str = Field(description="'<kind>@<version of the event that started it>'")
    kind: str = Field(description="Which clock: acknowledgement, information, merchant_evidence…")
    state: str = Field(description="open, paused, met, expired or cancelled")
    started_at: datetime = Field(description="When the clock started")
    due_at: datetime = Field(description="When it runs out (computed once, when it started)")
    remind_at: datetime | None = Field(None, description="When a reminder is due, if any")
    paused_at: datetime | None = Field(None, description="When a spot check paused it")
    reminded: bool = Field(False, description="Whether the reminder was sent")


class ContactPublic(PublicModel):
    """How to reach the consumer; masked for merchants (个人信息保护法)."""

    name: str = Field(description="Name; for a merchant the first character only ('林**')")
    phone: str | None = Field(None, description="Phone; for a merchant masked ('183****2807')")
    email: str | None = Field(None, description="E-mail; never shown to a merchant")
    address: str | None = Field(
        None, description="Address; for a merchant only when a return or exchange is shipped"
    )
    erased: bool = Field(
        False,
        description="The consumer's personal data was erased: the name reads '[erased]' and "
        "the rest is empty (absent contact: `contact` is null)",
    )


class ReferralPublic(PublicModel):
    """The case handed to an authority outside the platform."""

    authority: str = Field(
        description="market_regulator (12315), consumer_association or public_security"
    )
    reference: str = Field(description="The authority's own reference for the case")
    referred_on: date = Field(description="The day the case was referred")


class CaseSummaryPublic(PublicModel):
    """A case as it stands now, from the ``case_summary`` read model."""

    case_id: UUID = Field(description="The case id")
    status: str = Field(description="Where the case stands (its state machine's status)")
    stage: str = Field(description="The stage a person would name (intake … closed, appeal)")
    route: str | None = Field(None, description="Triage route, once triaged")
    queue: str | None = Field(None, description="Work queue, once triaged")
    fast_track: bool = Field(description="Injury and safety cases go on the fast track")
    assignee: str | None = Field(None, description="The handler working the case")
    channel: str = Field(description="Where the complaint came in")
    merchant_id: str = Field(description="The merchant complained about")
    sku: str = Field(description="The product's SKU")
    category: str = Field(description="The problem category")
    product_name: str = Field(description="The product's name")
    price: Decimal = Field(description="Unit price paid (decimal string)")
    quantity: int = Field(description="Units bought")
    demand: str = Field(description="What the consumer asks for: refund, return, exchange…")
    liability_party: str | None = Field(None, description="Who was found liable, if decided")
    remedy_kind: str | None = Field(None, description="The remedy offered, if any")
    refund_amount: Decimal | None = Field(None, description="Refund offered")
    compensation_amount: Decimal | None = Field(None, description="Compensation offered")
    amount_paid: Decimal | None = Field(None, description="Amount paid when the remedy executed")
    escalation_level: int = Field(description="Highest escalation level (0: never escalated)")
    resolution: str | None = Field(None, description="Resolution code, while closed")
    batch_alert_ids: list[str] = Field(description="Batch-quality alerts linking this case")
    referrals: list[ReferralPublic] = Field(
        default_factory=list, description="Authorities the case was referred to, oldest first"
    )
    deadlines: list[DeadlinePublic] = Field(description="Every clock of the case")
    filed_at: datetime = Field(description="When the case was filed")
    acknowledged_at: datetime | None = Field(None, description="When receipt was acknowledged")
    closed_at: datetime | None = Field(None, description="When it was closed (while closed)")
    version: int = Field(description="Sequence number of the case's latest event")
    updated_at: datetime = Field(description="When the latest event was recorded")


class EvidencePublic(PublicModel):
    """A pointer to the consumer's photo, video, test report, receipt or chat log."""

    kind: str = Field(description="photo, video, test_report, receipt, chat_log…")
    uri: str = Field(description="Where the file lives")


class CasePublic(CaseSummaryPublic):
    """One case: its summary with the complaint as filed, seen with the caller's rights."""

    order_id: str | None = Field(None, description="The order complained about")
    product_spec: str | None = Field(None, description="Model / specification")
    description: str | None = Field(
        None, description="The complaint text (for a merchant: scrubbed of personal data)"
    )
    evidence: list[EvidencePublic] = Field(default_factory=list, description="Consumer evidence")
    safety_flags: list[str] = Field(default_factory=list, description="Safety flags at filing")
    consumer_id: str | None = Field(None, description="The consumer (never shown to a merchant)")
    contact: ContactPublic | None = Field(
        None,
        description="The consumer's contact (masked for a merchant); `erased: true` once "
        "their personal data was erased; null when the case holds none",
    )
    as_of: datetime | None = Field(
        None, description="Set when this is the case as it stood at that past instant"
    )


class CaseListPublic(PublicModel):
    """One page of cases in filing order."""

    items: list[CaseSummaryPublic] = Field(description="The cases of this page")
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` to get the next page; absent on the last page"
    )


class TimelineEntryPublic(PublicModel):
    """One event of a case, as people read it."""

    sequence: int = Field(description="Position in the case's history, from 1")
    event_id: UUID = Field(description="The event's id (as in the topic headers)")
    event_type: str = Field(description="ComplaintFiled, AcknowledgementSent, …")
    occurred_at: datetime = Field(description="When it happened")
    recorded_at: datetime = Field(description="When it was recorded")
    actor: str = Field(
        description="Who caused it ('role:id'; a consumer is 'consumer' to merchants)"
    )
    reason: str | None = Field(None, description="Why, as the actor gave it")
    correlation_id: str | None = Field(None, description="The conversation it belongs to")
    causation_id: str | None = Field(None, description="The command or event that caused it")
    summary: str = Field(description="One line saying what happened")
    payload: dict[str, Any] = Field(
        description="The event's facts (for a merchant: personal data masked or removed)"
    )


class TimelinePublic(PublicModel):
    """A case's full history, oldest first."""

    case_id: UUID = Field(description="The case id")
    entries: list[TimelineEntryPublic] = Field(description="Every event of the case, in order")


class ScorecardPublic(PublicModel):
    """How a merchant fares in complaints (docs/lifecycle.md, Merchant scorecards)."""

    merchant_id: str = Field(description="The merchant")
    complaints: int = Field(description="Cases filed against the merchant")
    liability_decided: int = Field(description="Cases with a liability decision")
    merchant_liable: int = Field(description="Cases whose current decision names the merchant")
    evidence_requests: int = Field(description="Evidence requests sent to the merchant")
    evidence_responses: int = Field(description="Evidence submissions by the merchant")
    mean_response_seconds: float | None = Field(
        None, description="Mean time from request to submission (None before any answer)"
    )
    default_judgments: int = Field(description="Decisions against a silent merchant")
    penalties: int = Field(description="Penalties recorded")


class ScorecardListPublic(PublicModel):
    """One page of scorecards in merchant-id order."""

    items: list[ScorecardPublic] = Field(description="The scorecards of this page")
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page")


class SlaDayPublic(PublicModel):
    """SLA compliance of the complaints filed on one UTC day through one channel."""

    day: date = Field(description="The filing day (UTC)")
    channel: str = Field(description="The intake channel")
    cases_filed: int = Field(description="Cases filed that day")
    acknowledged: int = Field(description="Of those, acknowledged so far")
    acknowledged_in_time: int = Field(description="... within the acknowledgement deadline")
    mean_ack_seconds: float | None = Field(None, description="Mean time to acknowledge")
    merchant_requests: int = Field(description="Merchant evidence requests on those cases")
    merchant_responses: int = Field(description="Merchant answers to them")
    merchant_responses_in_time: int = Field(description="... within the merchant deadline")
    mean_merchant_response_seconds: float | None = Field(
        None, description="Mean time for a merchant to answer"
    )
    closed: int = Field(description="Of those cases, closed now")
    mean_close_seconds: float | None = Field(None, description="Mean time from filing to closure")


class SlaDailyPublic(PublicModel):
    """SLA figures over a range of filing days."""

    day_from: date = Field(alias="from", description="First filing day (inclusive)")
    day_to: date = Field(alias="to", description="Last filing day (inclusive)")
    channel: str | None = Field(None, description="The channel asked for (None: every channel)")
    days: list[SlaDayPublic] = Field(description="One row per day and channel with cases")

    model_config = ConfigDict(frozen=True, populate_by_name=True)


class SkuAlertPublic(PublicModel):
    """A batch-quality alert on the SKU."""

    alert_id: str = Field(description="The alert")
    cases_linked: int = Field(description="Cases linked to it")


class SkuQualityPublic(PublicModel):
    """Quality record of a SKU, from what its cases' events say."""

    sku: str = Field(description="The SKU")
    complaints: int = Field(description="Cases filed on it")
    spot_check_results: int = Field(description="Spot-check results recorded")
    defects_confirmed: int = Field(description="Spot checks that confirmed the defect")
    batch_alerts: int = Field(description="Distinct batch-quality alerts")
    alerts: list[SkuAlertPublic] = Field(description="The alerts and how many cases each links")
