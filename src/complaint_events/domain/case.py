"""The complaint case: one event-sourced aggregate for the whole lifecycle.

Public methods are the commands. Each checks the transition table
(:mod:`complaint_events.domain.status`) and its own guards, then calls one
private method decorated with ``@event``: that method's body is the only place
the state changes, both now and when the case is replayed from its history.
Time is never read here: every command is handed ``by.at`` from the injected
clock, and every deadline's due time is computed once and stored in its event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from complaint_events.domain.acting import Acting, Meta, stamp
from complaint_events.domain.case_records import LiabilityFinding, RemedyOffer, SpotCheck
from complaint_events.domain.complaint import ComplaintDetails
from complaint_events.domain.deadlines import (
    Deadline,
    DeadlinePolicy,
    DeadlineState,
    deadline_from_record,
    deadline_id_for,
)
from complaint_events.domain.errors import (
    AlreadyAnsweredError,
    AppealWindowClosedError,
    InvalidCommandError,
    NothingRequestedError,
    TooMuchEvidenceError,
    WrongConsumerError,
    WrongMerchantError,
)
from complaint_events.domain.problem_index import case_id_for
from complaint_events.domain.rules.liability import testing_cost_payer
from complaint_events.domain.rules.references import (
    CPL_23_DURABLE_BURDEN,
    PLATFORM_REFUND_AFTER_RETURN,
    PLATFORM_TESTING_COST,
)
from complaint_events.domain.rules.remedies import default_judgment
from complaint_events.domain.sku_quality import (
    BATCH_SPOT_CHECK_METHOD,
    alert_id_of_scope,
    batch_scope,
)
from complaint_events.domain.status import TRANSITIONS, CaseStatus, Step, next_status
from complaint_events.domain.text import is_blank
from complaint_events.domain.values import (
    ActorRole,
    AppealOutcome,
    Authority,
    Channel,
    DeadlineKind,
    Demand,
    EvidenceKind,
    LiabilityGround,
    MerchantEvidenceKind,
    Party,
    ProblemCategory,
    RemedyKind,
    ResolutionCode,
    Route,
    SafetyFlag,
    SpotCheckMethod,
    SpotCheckOutcome,
)

MAX_CASE_EVIDENCE: Final = 200
"""Evidence pointers one case may hold, from filing and every supply of information."""

Record = dict[str, Any]
Text = str | Record
"""A text people wrote: in clear, or sealed under the consumer's key by the
application (a record the case keeps and never reads; a sealed text was checked
to say something before it was sealed)."""

BATCH_LAB = "platform-designated laboratory"
"""Who tests a batch: the platform picks the lab, not either party."""

BATCH_COST_RULE = f"{PLATFORM_TESTING_COST.code}: {PLATFORM_TESTING_COST.summary}"
"""A batch spot check is paid like any other: by the party found at fault."""


def _description(details: ComplaintDetails) -> dict[str, Any]:
    """The description as the filing event records it.

    Sealed (by the application), with whether it reads as distressed judged on
    the clear text before; in clear only where a case is filed without sealing
    (domain tests), as events did before texts were sealed; ``distress`` is then
    None (not judged: readers judge the text), as in events stored before it existed."""
    if isinstance(details.description, str):
        return {"description": details.description, "distress": None}
    return {"description": details.description.to_record(), "distress": bool(details.distress)}


class ComplaintCase(Aggregate):
    """A consumer's product-quality complaint, from intake to closure and after."""

    # ------------------------------------------------------------------ intake

    @staticmethod
    def create_id(channel: str, channel_ref: str) -> UUID:
        """A case's id follows from its channel reference: refiling finds the same case."""
        return case_id_for(f"{channel}:{channel_ref}")

    @classmethod
    def file(cls, details: ComplaintDetails, by: Acting, policy: DeadlinePolicy) -> ComplaintCase:
        """Open a case; the acknowledgement clock starts now (default 24 h)."""
        ack = policy.start(
            DeadlineKind.ACKNOWLEDGEMENT,
            deadline_id_for(DeadlineKind.ACKNOWLEDGEMENT, cls.INITIAL_VERSION),
            by.at,
        )
        return cls(
            channel=details.channel,
            channel_ref=details.channel_ref,
            received_at=details.received_at,
            consumer_id=details.consumer_id,
            # Sealed by the application before filing (see application.personal_data);
            # the case keeps it as an opaque record and never reads it.
            contact=details.contact.to_record(),
            order_id=details.order_id,
            merchant_id=details.merchant_id,
            sku=details.sku,
            product_name=details.product_name,
            product_spec=details.product_spec,
            product_type=details.product_type,
            purchase_date=details.purchase_date,
            delivered_on=details.delivered_on,
            price=details.price,
            quantity=details.quantity,
            **_description(details),
            evidence=[{"kind": e.kind.value, "uri": e.uri} for e in details.evidence],
            demand=details.demand,
            category=details.category,
            safety_flags=sorted(f.value for f in details.safety_flags),
            language=details.language,
            problem_key=details.problem_key,
            acknowledgement_deadline=ack.to_record(),
            **stamp(by),
        )

    @event("ComplaintFiled")
    def __init__(  # noqa: PLR0915 - one statement per fact of the case, set at filing
        self,
        *,
        channel: Channel,
        channel_ref: str,
        received_at: datetime,
        consumer_id: str,
        contact: Record,
        order_id: str,
        merchant_id: str,
        sku: str,
        product_name: str,
        product_spec: str,
        product_type: str | None,
        purchase_date: date | None,
        delivered_on: date | None,
        price: Decimal,
        quantity: int,
        description: str | Record,
        evidence: list[Record],
        demand: Demand,
        category: ProblemCategory,
        safety_flags: list[str],
        language: str,
        problem_key: str,
        acknowledgement_deadline: Record,
        timestamp: datetime,
        meta: Meta,
        distress: bool | None = None,  # absent from events stored before texts were sealed
    ) -> None:
        self.status = CaseStatus.FILED
        self.channel = Channel(channel)
        self.channel_ref = channel_ref
        self.received_at = received_at
        self.consumer_id = consumer_id
        self.contact = dict(contact)
        self.order_id = order_id
        self.merchant_id = merchant_id
        self.sku = sku
        self.product_name = product_name
        self.product_spec = product_spec
        self.product_type = product_type
        self.purchase_date = purchase_date
        self.delivered_on = delivered_on
        self.price = Decimal(price)
        self.quantity = quantity
        # Sealed (a record) since texts are sealed; a string in older events.
        self.description: str | Record = description
        self.filed_distressed = distress
        self.evidence: list[Record] = list(evidence)
        self.demand = Demand(demand)
        self.category = ProblemCategory(category)
        self.safety_flags = frozenset(SafetyFlag(f) for f in safety_flags)
        self.language = language
        self.problem_key = problem_key
        self.filed_at = timestamp
        self.route: str | None = None
        self.queue: str | None = None
        self.fast_track = False
        self.burden_of_proof_on_merchant = False
        self.distress = False
        self.assignee: str | None = None
        self.acknowledged_at: datetime | None = None
        self.deadlines: dict[str, Deadline] = {}
        self.information_requested: list[str] = []
        self.merchant_evidence: list[Record] = []
        self.spot_checks: list[Record] = []
        self.assessments: list[Record] = []
        self.liability: Record | None = None
        self.remedy: Record | None = None
        self.return_received_at: datetime | None = None
        self.remedy_executed: Record | None = None
        self.closed_at: datetime | None = None
        self.resolution: ResolutionCode | None = None
        self.satisfaction: Record | None = None
        self.appeals: list[Record] = []
        self.escalations: list[Record] = []
        self.referrals: list[Record] = []
        self.penalties: list[Record] = []
        self.duplicates: list[Record] = []
        self.callbacks: list[Record] = []
        self.batch_alerts: list[Record] = []
        self.reopen_count = 0
        # Reopened, or its appeal upheld: the consumer may add information once, unasked.
        self.examined_again = False
        self._open(deadline_from_record(acknowledgement_deadline))

    # ------------------------------------------------------------ queries

    def open_deadline(self, kind: DeadlineKind) -> Deadline | None:
        """The running (open or paused) deadline of ``kind``, if any."""
        for deadline in self.deadlines.values():
            if deadline.kind is kind and deadline.is_running:
                return deadline
        return None

    @property
    def running_deadlines(self) -> list[Deadline]:
        return [d for d in self.deadlines.values() if d.is_running]

    @property
    def spot_check_running(self) -> bool:
        return self.open_deadline(DeadlineKind.SPOT_CHECK) is not None

    @property
    def last_spot_check(self) -> SpotCheck | None:
        """The spot check ordered last, typed (its outcome None while testing runs)."""
        return SpotCheck.of(self.spot_checks[-1]) if self.spot_checks else None

    @property
    def last_spot_check_outcome(self) -> SpotCheckOutcome | None:
        """The outcome of the latest spot check that has one."""
        outcomes = [c["outcome"] for c in self.spot_checks if c["outcome"] is not None]
        return SpotCheckOutcome(outcomes[-1]) if outcomes else None

    @property
    def liability_finding(self) -> LiabilityFinding | None:
        """The liability record, typed."""
        return None if self.liability is None else LiabilityFinding.of(self.liability)

    @property
    def remedy_offer(self) -> RemedyOffer | None:
        """The remedy record (the offer made last and its answer), typed."""
        return None if self.remedy is None else RemedyOffer.of(self.remedy)

    @property
    def escalated(self) -> bool:
        return bool(self.escalations)

    @property
    def merchant_evidence_expired(self) -> bool:
        """A merchant-evidence deadline of this case expired unanswered."""
        return any(
            d.kind is DeadlineKind.MERCHANT_EVIDENCE and d.state is DeadlineState.EXPIRED
            for d in self.deadlines.values()
        )

    @property
    def has_visible_defect_evidence(self) -> bool:
        """Photos or videos on file: what a silent merchant's default judgment needs."""
        return any(e["kind"] in ("photo", "video") for e in self.evidence)

    # ------------------------------------------------------ deadline helpers

    def _open(self, deadline: Deadline) -> None:
        self.deadlines[deadline.deadline_id] = deadline

    def _finish(self, kind: DeadlineKind, state: DeadlineState) -> None:
        running = self.open_deadline(kind)
        if running is not None:
            self.deadlines[running.deadline_id] = running.finish(state)

    def _start(
        self,
        kind: DeadlineKind,
        by: Acting,
        policy: DeadlinePolicy,
        due_at: datetime | None = None,
    ) -> Record:
        """The record of a deadline that the next event will start (its id names that event)."""
        deadline_id = deadline_id_for(kind, self.version + 1)
        return policy.start(kind, deadline_id, by.at, due_at).to_record()

    def _step(self, step: Step) -> CaseStatus:
        return next_status(self.status, step)

    def _check_merchant(self, by: Acting) -> None:
        if by.role is ActorRole.MERCHANT and by.actor_id != self.merchant_id:
            raise WrongMerchantError(
                f"merchant {by.actor_id} is not this case's merchant; "
                "only the merchant named on the order may submit evidence"
            )

    def _check_consumer(self, by: Acting) -> None:
        if by.role is ActorRole.CONSUMER and by.actor_id != self.consumer_id:
            raise WrongConsumerError(f"consumer {by.actor_id} did not file this case")

    # ------------------------------------------------------- triage, routing

    def triage(
        self,
        *,
        route: str,
        queue: str,
        fast_track: bool,
        burden_of_proof_on_merchant: bool,
        distress: bool,
        rule_refs: list[str],
        by: Acting,
    ) -> None:
        """Record the router's triage decision (route, queue, fast track)."""
        self._step(Step.TRIAGE)
        _check_values(Route, [route], "route")
        self._triaged(
            route=route,
            queue=queue,
            fast_track=fast_track,
            burden_of_proof_on_merchant=burden_of_proof_on_merchant,
            distress=distress,
            rule_refs=rule_refs,
            **stamp(by),
        )

    @event("CaseTriaged")
    def _triaged(
        self,
        route: str,
        queue: str,
        fast_track: bool,
        burden_of_proof_on_merchant: bool,
        distress: bool,
        rule_refs: list[str],
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.route, self.queue, self.fast_track = route, queue, fast_track
        self.burden_of_proof_on_merchant, self.distress = burden_of_proof_on_merchant, distress

    def assign(self, handler: str, by: Acting) -> None:
        """Put the case in a handler's hands."""
        self._step(Step.ASSIGN)
        if is_blank(handler):
            raise InvalidCommandError("assign needs a handler id")
        self._assigned(handler=handler, **stamp(by))

    @event("CaseAssigned")
    def _assigned(self, handler: str, timestamp: datetime, meta: Meta) -> None:
        self.assignee = handler

    def record_duplicate(
        self, *, channel: Channel, channel_ref: str, matched_on: str, by: Acting
    ) -> None:
        """A second submission of this complaint: recorded here, no second case opens."""
        self._step(Step.RECORD_DUPLICATE)
        self._duplicate_recorded(
            channel=channel, channel_ref=channel_ref, matched_on=matched_on, **stamp(by)
        )

    @event("DuplicateSubmissionRecorded")
    def _duplicate_recorded(
        self, channel: Channel, channel_ref: str, matched_on: str, timestamp: datetime, meta: Meta
    ) -> None:
        self.duplicates.append(
            {
                "channel": str(channel),
                "channel_ref": channel_ref,
                "matched_on": matched_on,
                "at": timestamp,
            }
        )

    # -------------------------------------------------------- acknowledgement

    def acknowledge(
        self, *, notification_id: str, language: str, soothing: bool, by: Acting
    ) -> None:
        """Record that the consumer was told we received the complaint."""
        self._step(Step.ACKNOWLEDGE)
        if self.acknowledged_at is not None:
            raise InvalidCommandError("the complaint was already acknowledged")
        self._acknowledged(
            notification_id=notification_id, language=language, soothing=soothing, **stamp(by)
        )

    @event("AcknowledgementSent")
    def _acknowledged(
        self, notification_id: str, language: str, soothing: bool, timestamp: datetime, meta: Meta
    ) -> None:
        self.acknowledged_at = timestamp
        self._finish(DeadlineKind.ACKNOWLEDGEMENT, DeadlineState.MET)
        if self.status is CaseStatus.FILED:
            self.status = CaseStatus.VERIFYING

    # ----------------------------------------------------------- verification

    def request_information(self, items: list[str], by: Acting, policy: DeadlinePolicy) -> None:
        """Ask the consumer for what is missing; 72 h to answer, reminder at 48 h."""
        status = self._step(Step.REQUEST_INFORMATION)
        if not items or any(is_blank(i) for i in items):
            raise InvalidCommandError("request information needs at least one named item")
        self._information_requested(
            items=list(items),
            status=status,
            deadline=self._start(DeadlineKind.INFORMATION, by, policy),
            **stamp(by),
        )

    @event("InformationRequested")
    def _information_requested(
        self,
        items: list[str],
        status: CaseStatus,
        deadline: Record,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self._finish(DeadlineKind.INFORMATION, DeadlineState.CANCELLED)  # a new request replaces
        self.information_requested = list(items)
        self.status = CaseStatus(status)
        self._open(deadline_from_record(deadline))

    def supply_information(self, details: Text, evidence: list[Record], by: Acting) -> None:
        """The consumer's answer to a request for information; or, once, what they add
        unasked to a case examined again (reopened, or its appeal upheld)."""
        status = self._step(Step.SUPPLY_INFORMATION)
        _check_evidence(evidence, EvidenceKind)
        self._check_consumer(by)
        if self.open_deadline(DeadlineKind.INFORMATION) is None and not self.examined_again:
            raise NothingRequestedError("no information was requested from the consumer")
        if len(self.evidence) + len(evidence) > MAX_CASE_EVIDENCE:
            raise TooMuchEvidenceError(
                f"a case holds at most {MAX_CASE_EVIDENCE} pieces of evidence; it has "
                f"{len(self.evidence)} and {len(evidence)} more were supplied"
            )
        self._information_supplied(details=details, evidence=evidence, status=status, **stamp(by))

    @event("InformationSupplied")
    def _information_supplied(
        self,
        details: Text,
        evidence: list[Record],
        status: CaseStatus,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.evidence.extend(evidence)
        self.information_requested = []
        self.examined_again = False
        self.status = CaseStatus(status)
        self._finish(DeadlineKind.INFORMATION, DeadlineState.MET)

    def schedule_callback(self, scheduled_for: datetime, note: Text, by: Acting) -> None:
        """A handler will call the consumer back (complex cases)."""
        self._step(Step.SCHEDULE_CALLBACK)
        if scheduled_for < by.at:
            raise InvalidCommandError("a callback cannot be scheduled in the past")
        self._callback_scheduled(scheduled_for=scheduled_for, note=note, **stamp(by))

    @event("CallbackScheduled")
    def _callback_scheduled(
        self, scheduled_for: datetime, note: Text, timestamp: datetime, meta: Meta
    ) -> None:
        self.callbacks.append({"scheduled_for": scheduled_for, "note": note})

    def request_merchant_evidence(
        self, summary: Record, by: Acting, policy: DeadlinePolicy
    ) -> None:
        """Ask the merchant for evidence; ``summary`` must already be masked. 48 h by default."""
        status = self._step(Step.REQUEST_MERCHANT_EVIDENCE)
        if self.open_deadline(DeadlineKind.MERCHANT_EVIDENCE) is not None:
            raise InvalidCommandError("merchant evidence is already requested and not yet due")
        self._merchant_evidence_requested(
            merchant_id=self.merchant_id,
            summary=summary,
            status=status,
            deadline=self._start(DeadlineKind.MERCHANT_EVIDENCE, by, policy),
            **stamp(by),
        )

    @event("MerchantEvidenceRequested")
    def _merchant_evidence_requested(
        self,
        merchant_id: str,
        summary: Record,
        status: CaseStatus,
        deadline: Record,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.status = CaseStatus(status)
        self._open(deadline_from_record(deadline))

    def submit_merchant_evidence(
        self, evidence: list[Record], explanation: str, by: Acting
    ) -> None:
        """The merchant's quality certificate, vouchers, explanation, after-sales policy."""
        status = self._step(Step.SUBMIT_MERCHANT_EVIDENCE)
        _check_evidence(evidence, MerchantEvidenceKind)
        self._check_merchant(by)
        if self.open_deadline(DeadlineKind.MERCHANT_EVIDENCE) is None:
            raise NothingRequestedError("no evidence is requested from the merchant now")
        if not evidence and is_blank(explanation):
            raise InvalidCommandError("submit at least one piece of evidence or an explanation")
        self._merchant_evidence_submitted(
            evidence=evidence, explanation=explanation, status=status, **stamp(by)
        )

    @event("MerchantEvidenceSubmitted")
    def _merchant_evidence_submitted(
        self,
        evidence: list[Record],
        explanation: str,
        status: CaseStatus,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.merchant_evidence.append(
            {"evidence": evidence, "explanation": explanation, "at": timestamp}
        )
        self.status = CaseStatus(status)
        self._finish(DeadlineKind.MERCHANT_EVIDENCE, DeadlineState.MET)

    def order_spot_check(
        self,
        *,
        method: str,
        scope: str,
        lab: str,
        cost_rule: str,
        by: Acting,
        policy: DeadlinePolicy,
        due_at: datetime | None = None,
        reports_lateness: bool = True,
    ) -> None:
        """Order same-model sampling or a third-party appraisal; other clocks pause meanwhile.

        A batch's check is due when the SKU's one clock for it runs out (``due_at``), and
        only the case that ``reports_lateness`` escalates when its result is late."""
        status = self._step(Step.ORDER_SPOT_CHECK)
        _check_values(SpotCheckMethod, [method], "spot-check method")
        if self.spot_check_running:
            raise InvalidCommandError("a spot check is already running on this case")
        self._spot_check_ordered(
            method=method,
            scope=scope,
            lab=lab,
            cost_rule=cost_rule,
            status=status,
            deadline=self._start(DeadlineKind.SPOT_CHECK, by, policy, due_at),
            **({} if reports_lateness else {"reports_lateness": False}),
            **stamp(by),
        )

    @event("SpotCheckOrdered")
    def _spot_check_ordered(
        self,
        method: str,
        scope: str,
        lab: str,
        cost_rule: str,
        status: CaseStatus,
        deadline: Record,
        timestamp: datetime,
        meta: Meta,
        reports_lateness: bool = True,  # false on a batch's linked cases but its first
    ) -> None:
        # docs/deadlines.md: the other clocks pause while testing runs.
        for d in list(self.deadlines.values()):
            if d.state is DeadlineState.OPEN:
                self.deadlines[d.deadline_id] = d.pause(timestamp)
        self.status = CaseStatus(status)
        self._open(deadline_from_record(deadline))
        self.spot_checks.append(
            {
                "method": method,
                "scope": scope,
                "lab": lab,
                "cost_rule": cost_rule,
                "ordered_at": timestamp,
                "outcome": None,
                "reports_lateness": reports_lateness,
            }
        )

    def record_spot_check_result(
        self, *, outcome: str, report_ref: str, findings: str, cost_payer: str, by: Acting
    ) -> None:
        """The lab's result; paused clocks resume, pushed back by the time spent testing."""
        status = self._step(Step.RECORD_SPOT_CHECK_RESULT)
        _check_values(SpotCheckOutcome, [outcome], "spot-check outcome")
        _check_values(Party, [cost_payer], "testing cost payer")
        # An overdue result still counts: testing ran until now, so paused clocks resume.
        if not self.spot_checks or self.spot_checks[-1]["outcome"] is not None:
            raise NothingRequestedError("no spot check is running on this case")
        resumed = {}
        for d in self.deadlines.values():
            if d.state is DeadlineState.PAUSED:
                due, remind = d.resumed_due_at(by.at)
                resumed[d.deadline_id] = {"due_at": due, "remind_at": remind}
        self._spot_check_result_recorded(
            outcome=outcome,
            report_ref=report_ref,
            findings=findings,
            cost_payer=cost_payer,
            status=status,
            resumed=resumed,
            # which check this answers: a batch processor forwards a batch result
            scope=self.spot_checks[-1]["scope"],
            **stamp(by),
        )

    @event("SpotCheckResultRecorded")
    def _spot_check_result_recorded(
        self,
        outcome: str,
        report_ref: str,
        findings: str,
        cost_payer: str,
        status: CaseStatus,
        resumed: Record,
        timestamp: datetime,
        meta: Meta,
        scope: str | None = None,  # absent from results recorded before batch alerts
    ) -> None:
        self._finish(DeadlineKind.SPOT_CHECK, DeadlineState.MET)
        for deadline_id, times in resumed.items():
            self.deadlines[deadline_id] = self.deadlines[deadline_id].resume(
                times["due_at"], times["remind_at"]
            )
        self.spot_checks[-1].update(
            outcome=outcome,
            report_ref=report_ref,
            findings=findings,
            cost_payer=cost_payer,
            recorded_at=timestamp,
        )
        self.status = CaseStatus(status)

    def assess_evidence(
        self, *, authentic: bool, relevant: bool, lawful: bool, notes: str, by: Acting
    ) -> None:
        """A handler's assessment of the evidence: authenticity, relevance, legality."""
        status = self._step(Step.ASSESS_EVIDENCE)
        self._evidence_assessed(
            authentic=authentic,
            relevant=relevant,
            lawful=lawful,
            notes=notes,
            status=status,
            **stamp(by),
        )

    @event("EvidenceAssessed")
    def _evidence_assessed(
        self,
        authentic: bool,
        relevant: bool,
        lawful: bool,
        notes: str,
        status: CaseStatus,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.assessments.append(
            {"authentic": authentic, "relevant": relevant, "lawful": lawful, "notes": notes}
        )
        self.status = CaseStatus(status)

    # ----------------------------------------------------------- batch quality

    def link_batch_alert(
        self,
        *,
        alert_id: str,
        sku: str,
        by: Acting,
        policy: DeadlinePolicy,
        spot_check_due_at: datetime | None = None,
        reports_lateness: bool = True,
    ) -> None:
        """Link the case to a batch-quality alert on its SKU (docs/lifecycle.md).

        While the case is still being verified and no spot check runs, the batch's
        spot check is ordered on it (same-model sampling, scope ``batch:<alert id>``,
        other clocks pause), due when the SKU's one clock for it runs out
        (``spot_check_due_at``); only the case that ``reports_lateness`` (the alert's
        first) escalates when the result is late. Otherwise, and for a closed case, it
        is linked for the record only. A repeat link for the same alert changes nothing.
        """
        if any(linked["alert_id"] == alert_id for linked in self.batch_alerts):
            return
        self._step(Step.LINK_BATCH_ALERT)
        if is_blank(alert_id):
            raise InvalidCommandError("linking a batch alert needs the alert id")
        if sku != self.sku:
            raise InvalidCommandError(
                f"batch alert {alert_id} is about SKU {sku!r}; this case is about {self.sku!r}"
            )
        self._batch_alert_linked(alert_id=alert_id, sku=sku, **stamp(by))
        if self.spot_check_running or Step.ORDER_SPOT_CHECK not in TRANSITIONS[self.status]:
            return
        self.order_spot_check(
            method=BATCH_SPOT_CHECK_METHOD.value,
            scope=batch_scope(alert_id),
            lab=BATCH_LAB,
            cost_rule=BATCH_COST_RULE,
            by=by,
            policy=policy,
            due_at=spot_check_due_at,
            reports_lateness=reports_lateness,
        )

    @event("BatchAlertLinked")
    def _batch_alert_linked(self, alert_id: str, sku: str, timestamp: datetime, meta: Meta) -> None:
        self.batch_alerts.append({"alert_id": alert_id, "sku": sku, "linked_at": timestamp})

    # ---------------------------------------------------------------- liability

    def determine_liability(
        self,
        *,
        party: str,
        grounds: list[str],
        rule_refs: list[str],
        reasoning: str,
        testing_cost_payer: str,
        by: Acting,
    ) -> None:
        """Record who is liable and why, citing the rules that justify it."""
        status = self._step(Step.DETERMINE_LIABILITY)
        _check_values(Party, [party, testing_cost_payer], "party")
        _check_values(LiabilityGround, grounds, "liability ground")
        if not rule_refs:
            raise InvalidCommandError("a liability decision must cite at least one rule")
        self._liability_determined(
            party=party,
            grounds=grounds,
            rule_refs=rule_refs,
            reasoning=reasoning,
            testing_cost_payer=testing_cost_payer,
            status=status,
            **stamp(by),
        )

    @event("LiabilityDetermined")
    def _liability_determined(
        self,
        party: str,
        grounds: list[str],
        rule_refs: list[str],
        reasoning: str,
        testing_cost_payer: str,
        status: CaseStatus,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.liability = {
            "party": party,
            "grounds": list(grounds),
            "rule_refs": list(rule_refs),
            "reasoning": reasoning,
            "testing_cost_payer": testing_cost_payer,
            "at": timestamp,
        }
        self.status = CaseStatus(status)

    # ------------------------------------------------------------------- remedy

    def offer_remedy(
        self,
        *,
        kind: str,
        refund_amount: Decimal,
        compensation_amount: Decimal,
        shipping_paid_by: str,
        rule_refs: list[str],
        explanation: str,
        by: Acting,
        policy: DeadlinePolicy,
    ) -> None:
        """Offer a remedy; the consumer has 72 h to answer (reminder at 48 h).

        A no-reason return (CPL Art. 25) is offered without a liability finding: the
        consumer's right does not rest on anyone's fault."""
        no_fault = self.category is ProblemCategory.NO_REASON_RETURN and self.liability is None
        status = self._step(Step.OFFER_NO_REASON_RETURN if no_fault else Step.OFFER_REMEDY)
        _check_values(RemedyKind, [kind], "remedy kind")
        _check_values(Party, [shipping_paid_by], "shipping payer")
        if refund_amount < 0 or compensation_amount < 0:
            raise InvalidCommandError("remedy amounts cannot be negative")
        self._remedy_offered(
            kind=kind,
            refund_amount=refund_amount,
            compensation_amount=compensation_amount,
            shipping_paid_by=shipping_paid_by,
            rule_refs=rule_refs,
            explanation=explanation,
            status=status,
            deadline=self._start(DeadlineKind.REMEDY_ANSWER, by, policy),
            **stamp(by),
        )

    @event("RemedyOffered")
    def _remedy_offered(
        self,
        kind: str,
        refund_amount: Decimal,
        compensation_amount: Decimal,
        shipping_paid_by: str,
        rule_refs: list[str],
        explanation: str,
        status: CaseStatus,
        deadline: Record,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self._finish(DeadlineKind.REMEDY_ANSWER, DeadlineState.CANCELLED)  # revised offer
        self.remedy = {
            "kind": kind,
            "refund_amount": Decimal(refund_amount),
            "compensation_amount": Decimal(compensation_amount),
            "shipping_paid_by": shipping_paid_by,
            "rule_refs": list(rule_refs),
            "explanation": explanation,
            "answer": None,
            "offered_at": timestamp,
        }
        self.status = CaseStatus(status)
        self._open(deadline_from_record(deadline))

    def accept_remedy(self, by: Acting) -> None:
        """The consumer accepts the open offer."""
        status = self._step(Step.ACCEPT_REMEDY)
        self._check_consumer(by)
        self._remedy_accepted(status=status, **stamp(by))

    @event("RemedyAccepted")
    def _remedy_accepted(self, status: CaseStatus, timestamp: datetime, meta: Meta) -> None:
        assert self.remedy is not None
        self.remedy["answer"] = "accepted"
        self.status = CaseStatus(status)
        self._finish(DeadlineKind.REMEDY_ANSWER, DeadlineState.MET)

    def reject_remedy(self, reason: Text, by: Acting) -> None:
        """The consumer rejects the open offer, saying why."""
        status = self._step(Step.REJECT_REMEDY)
        self._check_consumer(by)
        if is_blank(reason):
            raise InvalidCommandError("rejecting a remedy needs a reason")
        self._remedy_rejected(rejection=reason, status=status, **stamp(by))

    @event("RemedyRejected")
    def _remedy_rejected(
        self, rejection: Text, status: CaseStatus, timestamp: datetime, meta: Meta
    ) -> None:
        assert self.remedy is not None
        self.remedy["answer"] = "rejected"
        self.remedy["rejection"] = rejection
        self.status = CaseStatus(status)
        self._finish(DeadlineKind.REMEDY_ANSWER, DeadlineState.MET)

    def receive_return(self, tracking_ref: str, by: Acting, policy: DeadlinePolicy) -> None:
        """Returned goods reached the merchant: the refund is due within 7 days."""
        self._step(Step.RECEIVE_RETURN)
        if self.return_received_at is not None:
            raise InvalidCommandError("the return was already received")
        self._return_received(
            tracking_ref=tracking_ref,
            deadline=self._start(DeadlineKind.REFUND, by, policy),
            **stamp(by),
        )

    @event("ReturnReceived")
    def _return_received(
        self, tracking_ref: str, deadline: Record, timestamp: datetime, meta: Meta
    ) -> None:
        self.return_received_at = timestamp
        self._open(deadline_from_record(deadline))

    def execute_remedy(self, amount_paid: Decimal, reference: str, by: Acting) -> None:
        """The accepted remedy was carried out (refund paid, item exchanged or repaired)."""
        status = self._step(Step.EXECUTE_REMEDY)
        if amount_paid < 0:
            raise InvalidCommandError("the amount paid cannot be negative")
        self._remedy_executed(
            amount_paid=amount_paid, reference=reference, status=status, **stamp(by)
        )

    @event("RemedyExecuted")
    def _remedy_executed(
        self,
        amount_paid: Decimal,
        reference: str,
        status: CaseStatus,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.remedy_executed = {
            "amount_paid": Decimal(amount_paid),
            "reference": reference,
            "at": timestamp,
        }
        self.status = CaseStatus(status)
        self._finish(DeadlineKind.REFUND, DeadlineState.MET)

    # ------------------------------------------------------- closure and after

    def close(
        self, resolution: ResolutionCode, note: str, by: Acting, policy: DeadlinePolicy
    ) -> None:
        """Close the case; the appeal window (7 days) opens."""
        status = self._step(Step.CLOSE)
        if resolution == ResolutionCode.REFERRED_TO_AUTHORITY and not self.referrals:
            raise InvalidCommandError(
                "record the referral first (refer_to_authority: the authority, its reference "
                "and the date), then close the case as referred_to_authority"
            )
        self._closed(
            resolution=resolution,
            note=note,
            status=status,
            deadline=self._start(DeadlineKind.APPEAL_WINDOW, by, policy),
            **stamp(by),
        )

    @event("CaseClosed")
    def _closed(
        self,
        resolution: ResolutionCode,
        note: str,
        status: CaseStatus,
        deadline: Record,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        for d in self.running_deadlines:
            self.deadlines[d.deadline_id] = d.finish(DeadlineState.CANCELLED)
        self.closed_at = timestamp
        self.examined_again = False
        self.resolution = ResolutionCode(resolution)
        self.status = CaseStatus(status)
        self._open(deadline_from_record(deadline))

    def record_satisfaction(self, score: int, comment: Text, by: Acting) -> None:
        """The consumer's answer to the follow-up survey (回访), 1 to 5."""
        self._step(Step.RECORD_SATISFACTION)
        self._check_consumer(by)
        if not 1 <= score <= 5:
            raise InvalidCommandError("satisfaction score must be from 1 to 5")
        if self.satisfaction is not None and (
            self.closed_at is None or self.satisfaction["at"] >= self.closed_at
        ):
            # One answer per closure: the survey is asked once, and an answer
            # repeated without end would grow the case's history without end.
            raise AlreadyAnsweredError(
                "the satisfaction survey of this closure was already answered"
            )
        self._satisfaction_recorded(score=score, comment=comment, **stamp(by))

    @event("SatisfactionRecorded")
    def _satisfaction_recorded(
        self, score: int, comment: Text, timestamp: datetime, meta: Meta
    ) -> None:
        self.satisfaction = {"score": score, "comment": comment, "at": timestamp}

    def file_appeal(self, grounds: Text, by: Acting) -> None:
        """Appeal a closed case, within the appeal window."""
        status = self._step(Step.FILE_APPEAL)
        self._check_consumer(by)
        window = self.open_deadline(DeadlineKind.APPEAL_WINDOW)
        if window is None or by.at > window.due_at:
            raise AppealWindowClosedError(
                "the appeal window has closed; appeals are accepted for 7 days after closure"
            )
        if is_blank(grounds):
            raise InvalidCommandError("an appeal must state its grounds")
        self._appeal_filed(grounds=grounds, status=status, **stamp(by))

    @event("AppealFiled")
    def _appeal_filed(
        self, grounds: Text, status: CaseStatus, timestamp: datetime, meta: Meta
    ) -> None:
        self.appeals.append({"grounds": grounds, "filed_at": timestamp, "outcome": None})
        self.status = CaseStatus(status)
        self._finish(DeadlineKind.APPEAL_WINDOW, DeadlineState.MET)

    def decide_appeal(self, outcome: AppealOutcome, decision: str, by: Acting) -> None:
        """Uphold (the case is examined again) or dismiss (it closes again)."""
        step = Step.UPHOLD_APPEAL if outcome is AppealOutcome.UPHELD else Step.DISMISS_APPEAL
        status = self._step(step)
        self._appeal_decided(outcome=outcome, decision=decision, status=status, **stamp(by))

    @event("AppealDecided")
    def _appeal_decided(
        self,
        outcome: AppealOutcome,
        decision: str,
        status: CaseStatus,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.appeals[-1].update(outcome=str(outcome), decision=decision, decided_at=timestamp)
        self.status = CaseStatus(status)
        if self.status is not CaseStatus.CLOSED:
            self.closed_at, self.resolution = None, None
            self.examined_again = True

    def reopen(self, new_facts: Text, by: Acting) -> None:
        """Reopen a closed case; only new facts justify it."""
        status = self._step(Step.REOPEN)
        if is_blank(new_facts):
            raise InvalidCommandError("a case is reopened only on new facts; state them")
        self._reopened(new_facts=new_facts, status=status, **stamp(by))

    @event("CaseReopened")
    def _reopened(
        self, new_facts: Text, status: CaseStatus, timestamp: datetime, meta: Meta
    ) -> None:
        self._finish(DeadlineKind.APPEAL_WINDOW, DeadlineState.CANCELLED)
        self.closed_at, self.resolution = None, None
        self.reopen_count += 1
        self.examined_again = True
        self.status = CaseStatus(status)

    def escalate(self, reason: str, level: int, by: Acting) -> None:
        """Raise the case to a senior handler or the platform's intervention team."""
        self._step(Step.ESCALATE)
        if is_blank(reason):
            raise InvalidCommandError("an escalation must say why")
        self._escalated(escalation=reason, level=level, **stamp(by))

    @event("CaseEscalated")
    def _escalated(self, escalation: str, level: int, timestamp: datetime, meta: Meta) -> None:
        self.escalations.append({"reason": escalation, "level": level, "at": timestamp})

    def refer_to_authority(
        self, authority: Authority, reference: str, referred_on: date, by: Acting
    ) -> None:
        """The case was handed to an authority (the market regulator's 12315, the consumer
        association, the police): who, under which of their references, on which day."""
        self._step(Step.REFER_TO_AUTHORITY)
        _check_values(Authority, [authority], "authority")
        if is_blank(reference):
            raise InvalidCommandError("a referral needs the authority's reference")
        if referred_on > by.at.date():
            raise InvalidCommandError("a referral cannot be dated in the future")
        if any(r["authority"] == authority and r["reference"] == reference for r in self.referrals):
            raise InvalidCommandError(
                f"the case was already referred to {authority} under {reference}"
            )
        self._referred(
            authority=authority, reference=reference, referred_on=referred_on, **stamp(by)
        )

    @event("CaseReferredToAuthority")
    def _referred(
        self,
        authority: Authority,
        reference: str,
        referred_on: date,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.referrals.append(
            {
                "authority": str(authority),
                "reference": reference,
                "referred_on": referred_on,
                "at": timestamp,
            }
        )

    def record_penalty(self, reason: str, rule_refs: list[str], by: Acting) -> None:
        """A penalty against the merchant (for example a late refund)."""
        self._step(Step.RECORD_PENALTY)
        self._penalty_recorded(
            merchant_id=self.merchant_id, penalty=reason, rule_refs=rule_refs, **stamp(by)
        )

    @event("MerchantPenaltyRecorded")
    def _penalty_recorded(
        self, merchant_id: str, penalty: str, rule_refs: list[str], timestamp: datetime, meta: Meta
    ) -> None:
        self.penalties.append({"reason": penalty, "rule_refs": list(rule_refs), "at": timestamp})

    # ---------------------------------------------------------------- deadlines

    def send_reminder(self, deadline_id: str, by: Acting) -> bool:
        """Record a reminder for an open deadline; a repeat or stale one changes nothing."""
        deadline = self.deadlines.get(deadline_id)
        if (
            deadline is None
            or deadline.state is not DeadlineState.OPEN
            or deadline.reminded
            or deadline.remind_at is None
            or by.at < deadline.remind_at
        ):
            return False
        self._step(Step.SEND_REMINDER)
        self._reminder_sent(deadline_id=deadline_id, kind=deadline.kind, **stamp(by))
        return True

    @event("DeadlineReminderSent")
    def _reminder_sent(
        self, deadline_id: str, kind: DeadlineKind, timestamp: datetime, meta: Meta
    ) -> None:
        self.deadlines[deadline_id] = replace(self.deadlines[deadline_id], reminded=True)

    def expire_deadline(self, deadline_id: str, by: Acting, policy: DeadlinePolicy) -> bool:
        """Let a due deadline take its default outcome (docs/deadlines.md, On expiry).

        Returns False, recording nothing, when the deadline is unknown, already met,
        expired or cancelled, paused by a spot check, or not yet due: expiry commands
        may arrive twice or late, and only the first valid one takes effect.
        """
        deadline = self.deadlines.get(deadline_id)
        if deadline is None or deadline.state is not DeadlineState.OPEN or by.at < deadline.due_at:
            return False
        self._step(Step.EXPIRE_DEADLINE)
        self._deadline_expired(
            deadline_id=deadline_id, kind=deadline.kind, due_at=deadline.due_at, **stamp(by)
        )
        outcome = _EXPIRY_OUTCOMES[deadline.kind]
        outcome(self, by, policy)
        return True

    @event("DeadlineExpired")
    def _deadline_expired(
        self,
        deadline_id: str,
        kind: DeadlineKind,
        due_at: datetime,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self.deadlines[deadline_id] = self.deadlines[deadline_id].finish(DeadlineState.EXPIRED)

    def _on_acknowledgement_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        # SLA breach is the DeadlineExpired event itself; the case goes up a level.
        self.escalate("acknowledgement not sent within the promised time", 1, by)

    def _on_information_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        # Closed as insufficient information; reopenable when the facts arrive.
        # Once the case has moved past verification it no longer waits on the answer.
        if self.status not in (CaseStatus.FILED, CaseStatus.VERIFYING):
            return
        self.close(
            ResolutionCode.INSUFFICIENT_INFORMATION,
            "the consumer did not supply the requested information in time",
            by,
            policy,
        )

    def _on_merchant_evidence_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        # The platform intervenes. A silent merchant is presumed liable for a visible
        # defect, and for any defect of a durable good within 6 months of delivery, where
        # the burden of proof is the merchant's (CPL Art. 23(3)): default judgment, return
        # and refund at the merchant's cost.
        visible = self.has_visible_defect_evidence
        burden = self.burden_of_proof_on_merchant
        if not (visible or burden) or self.status not in (
            CaseStatus.FILED,
            CaseStatus.VERIFYING,
        ):
            self.escalate("merchant did not submit evidence in time; platform intervenes", 1, by)
            return
        judgment = default_judgment(self.price, self.quantity)
        grounds: list[str] = [LiabilityGround.SILENT_MERCHANT] if visible else []
        rule_refs = [r.code for r in judgment.rule_refs]
        why = []
        if visible:
            why.append("the consumer's photos or videos show the defect")
        if burden:
            grounds.append(LiabilityGround.DEFECT)
            rule_refs.append(CPL_23_DURABLE_BURDEN.code)
            why.append(
                "a durable good within 6 months of delivery, whose merchant bears the burden "
                "of proving there is no defect (CPL Art. 23(3)) and proved nothing"
            )
        self.determine_liability(
            party=Party.MERCHANT,
            grounds=grounds,
            rule_refs=rule_refs,
            reasoning="the merchant did not answer within the deadline and "
            + "; and ".join(why)
            + ": default judgment",
            testing_cost_payer=testing_cost_payer(Party.MERCHANT),
            by=by,
        )
        self.offer_remedy(
            kind=judgment.kind,
            refund_amount=judgment.refund_amount,
            compensation_amount=Decimal(0),
            shipping_paid_by=judgment.shipping_paid_by,
            rule_refs=[r.code for r in judgment.rule_refs],
            explanation=judgment.explanation,
            by=by,
            policy=policy,
        )

    def _on_spot_check_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        running = self.spot_checks[-1]
        if not running.get("reports_lateness", True):
            return  # a batch's check: its first case escalates, once for the batch
        alert_id = alert_id_of_scope(running["scope"])
        if alert_id is None:
            self.escalate("spot-check result overdue", 1, by)
        else:
            self.escalate(f"the batch spot check of alert {alert_id} is overdue", 1, by)

    def _on_remedy_answer_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        self.escalate("the consumer did not answer the remedy offer; handler to follow up", 1, by)

    def _on_refund_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        self.escalate("refund not made within 7 days of receiving the returned goods", 2, by)
        self.record_penalty(
            "late refund after returned goods were received",
            [PLATFORM_REFUND_AFTER_RETURN.code],
            by,
        )

    def _on_appeal_window_expired(self, by: Acting, policy: DeadlinePolicy) -> None:
        """Nothing more happens: from now on an appeal is refused."""


def _check_values(kind: type[StrEnum], values: list[str], what: str) -> None:
    """Refuse a value outside the vocabulary, naming the ones allowed."""
    allowed = {member.value for member in kind}
    for value in values:
        if value not in allowed:
            raise InvalidCommandError(
                f"unknown {what} {value!r}; expected one of {', '.join(sorted(allowed))}"
            )


def _check_evidence(evidence: list[Record], kinds: type[StrEnum]) -> None:
    """Evidence items are ``{"kind": ..., "uri": ...}`` pointers."""
    for item in evidence:
        if set(item) != {"kind", "uri"} or is_blank(str(item["uri"])):
            raise InvalidCommandError(
                f"evidence items are {{'kind', 'uri'}} with a non-empty uri; got {item!r}"
            )
        _check_values(kinds, [str(item["kind"])], "evidence kind")


_EXPIRY_OUTCOMES: dict[DeadlineKind, Callable[[ComplaintCase, Acting, DeadlinePolicy], None]] = {
    DeadlineKind.ACKNOWLEDGEMENT: ComplaintCase._on_acknowledgement_expired,
    DeadlineKind.INFORMATION: ComplaintCase._on_information_expired,
    DeadlineKind.MERCHANT_EVIDENCE: ComplaintCase._on_merchant_evidence_expired,
    DeadlineKind.SPOT_CHECK: ComplaintCase._on_spot_check_expired,
    DeadlineKind.REMEDY_ANSWER: ComplaintCase._on_remedy_answer_expired,
    DeadlineKind.REFUND: ComplaintCase._on_refund_expired,
    DeadlineKind.APPEAL_WINDOW: ComplaintCase._on_appeal_window_expired,
}
