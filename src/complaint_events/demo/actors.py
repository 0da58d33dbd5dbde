"""The people of the demo: handlers, merchants, consumers, the lab and payments, as scripts.

Each actor watches the events on the bus and, following the complaint's
:class:`~complaint_events.demo.synthetic.Plan`, puts an action on the agenda
for a later simulated time. An action reads the case as the API would and
returns the commands it sends (:class:`CommandEnvelopeV1`, as the HTTP API
would put them on the commands topic). Liability and remedies come from the
rules (:func:`suggest_liability`, :func:`recommend_remedy`), as a handler
would take the suggestions the API offers.
"""

from __future__ import annotations

import heapq
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.merchant_summary import merchant_summary
from complaint_events.contracts.commands import (
    AcceptRemedyV1,
    AssessEvidenceV1,
    CloseV1,
    CommandEnvelopeV1,
    CommandPayload,
    DecideAppealV1,
    DetermineLiabilityV1,
    ExecuteRemedyV1,
    FileAppealV1,
    MerchantCommandEvidenceV1,
    OfferRemedyV1,
    ReceiveReturnV1,
    RecordSatisfactionV1,
    RecordSpotCheckResultV1,
    RejectRemedyV1,
    RequestInformationV1,
    RequestMerchantEvidenceV2,
    SubmitMerchantEvidenceV1,
    SupplyInformationV1,
)
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.demo.synthetic import Plan
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.rules.liability import (
    LiabilityFacts,
    suggest_liability,
    testing_cost_payer,
)
from complaint_events.domain.rules.remedies import RemedyFacts, recommend_remedy
from complaint_events.domain.sku_quality import alert_id_of_scope
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import (
    AppealOutcome,
    DeadlineKind,
    LiabilityGround,
    MerchantEvidenceKind,
    Party,
    ProblemCategory,
    RemedyKind,
    ResolutionCode,
    SafetyFlag,
    SpotCheckOutcome,
)
from complaint_events.processing.issuing import issue

HANDLER = "handler:h-07"
LAB = "handler:lab-desk"
PAYMENTS = "system:payments"
_RETURNED_GOODS = frozenset({RemedyKind.RETURN_AND_REFUND, RemedyKind.EXCHANGE, RemedyKind.REPAIR})

Action = Callable[[], list[CommandEnvelopeV1]]


@dataclass(order=True)
class _Item:
    at: datetime
    seq: int
    action: Action = field(compare=False)


class Agenda:
    """What the actors will do, and when (ties in the order they were planned)."""

    def __init__(self) -> None:
        self._heap: list[_Item] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def add(self, at: datetime, action: Action) -> None:
        self._seq += 1
        heapq.heappush(self._heap, _Item(at, self._seq, action))

    def next_at(self) -> datetime | None:
        return self._heap[0].at if self._heap else None

    def pop(self) -> Action:
        return heapq.heappop(self._heap).action


class Actors:
    """Reacts to case events by planning the next human (or lab, or payment) step."""

    def __init__(self, cases: ComplaintCases, plans: list[Plan], agenda: Agenda) -> None:
        self.cases = cases
        self.agenda = agenda
        self._plans = {p.key: p for p in plans}
        self._plan_of: dict[UUID, Plan] = {}
        self._steps: dict[tuple[UUID, str], int] = {}
        self._reacting_to = ""
        self._batches: dict[str, list[Plan]] = {}  # alert id -> the plans of its linked cases
        self._appealed: set[int] = set()
        self.now: Callable[[], datetime] = lambda: datetime.min.replace(tzinfo=UTC)

    def on_event(self, event: EventEnvelope) -> None:
        if event.event_type == "ComplaintFiled":
            key = (str(event.payload["channel"]), str(event.payload["channel_ref"]))
            if key in self._plans:
                self._plan_of[event.case_id] = self._plans[key]
            return
        plan = self._plan_of.get(event.case_id)
        if plan is None:
            return
        case_id, kind = event.case_id, event.event_type
        self._reacting_to = kind
        if kind == "AcknowledgementSent":
            self._later(plan, case_id, self._first_step)
        elif kind == "InformationRequested" and not plan.consumer_silent:
            self._later(plan, case_id, self._supply_information)
        elif kind == "InformationSupplied":
            self._later(plan, case_id, self._request_merchant_evidence)
        elif kind == "MerchantEvidenceRequested" and not plan.merchant_silent:
            self._later(plan, case_id, self._submit_evidence)
        elif kind == "SpotCheckOrdered":
            self._spot_check_ordered(plan, event)
        elif kind in ("MerchantEvidenceSubmitted", "SpotCheckResultRecorded") or (
            kind == "AppealDecided" and event.payload.get("outcome") == AppealOutcome.UPHELD
        ):
            self._later(plan, case_id, self._decide)
        elif kind == "RemedyOffered" and plan.remedy_answer != "silent":
            self._later(plan, case_id, self._answer_offer)
        elif kind == "RemedyRejected":
            self._later(
                plan,
                case_id,
                lambda c: [self._cmd(c, HANDLER, "close", _close(ResolutionCode.REMEDY_REJECTED))],
            )
        elif kind == "RemedyAccepted":
            self._later(plan, case_id, self._after_acceptance, extra=timedelta(days=1))
        elif kind == "ReturnReceived":
            self._later(plan, case_id, self._execute)
        elif kind == "RemedyExecuted":
            self._later(
                plan,
                case_id,
                lambda c: [self._cmd(c, HANDLER, "close", _close(ResolutionCode.REMEDY_EXECUTED))],
            )
        elif kind == "CaseClosed":
            self._after_closure(plan, case_id)
        elif kind == "DeadlineExpired" and event.payload.get("kind") == "merchant_evidence":
            self._later(plan, case_id, self._decide)
        elif kind == "AppealFiled":
            self._later(plan, case_id, self._decide_appeal, extra=timedelta(days=1))

    # ----------------------------------------------------------------- planning

    def _later(
        self,
        plan: Plan,
        case_id: UUID,
        step: Callable[[ComplaintCase], list[CommandEnvelopeV1]],
        extra: timedelta = timedelta(0),
    ) -> None:
        # Which of the plan's delays a step takes follows from what it answers, not from
        # the order the case's events arrived in: on Kafka, the acknowledgement and the
        # router answer a filing concurrently, and the same plan must give the same times.
        key = (case_id, self._reacting_to)
        n = self._steps.get(key, 0)
        self._steps[key] = n + 1
        step_index = zlib.crc32(f"{self._reacting_to}#{n}".encode())
        at = self.now() + plan.delay(step_index) + extra

        def act() -> list[CommandEnvelopeV1]:
            return step(self.cases.get_case(case_id))

        self.agenda.add(at, act)

    def _cmd(
        self, case: ComplaintCase, actor: str, purpose: str, payload: CommandPayload
    ) -> CommandEnvelopeV1:
        return issue(
            case.id,
            payload,
            purpose=f"demo:{purpose}@{case.version}",
            actor=actor,
            issued_at=self.now(),
            correlation_id=f"demo:{case.id}",
        )

    # --------------------------------------------------------------- the steps

    def _first_step(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        plan = self._plan_of[case.id]
        if case.status not in (CaseStatus.FILED, CaseStatus.VERIFYING):
            return []
        if plan.needs_information:
            items = ["order screenshot", "photo of the problem"]
            return [self._cmd(case, HANDLER, "info", RequestInformationV1(items=items))]
        if case.spot_check_running:
            return []  # the router ordered a test; the merchant is asked after the result
        return self._request_merchant_evidence(case)

    def _request_merchant_evidence(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        if case.status not in (CaseStatus.FILED, CaseStatus.VERIFYING):
            return []
        summary = merchant_summary(
            case, self.cases.description_of(case), self.cases.contact_of(case), []
        )
        payload = RequestMerchantEvidenceV2(summary=summary)
        return [self._cmd(case, HANDLER, "evidence", payload)]

    def _supply_information(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        if case.open_deadline(DeadlineKind.INFORMATION) is None:
            return []
        payload = SupplyInformationV1.model_validate(
            {
                "details": "补充订单截图和照片 / order screenshot and photos attached",
                "evidence": [{"kind": "photo", "uri": f"evidence://supplied/{case.id}.jpg"}],
            }
        )
        return [self._cmd(case, f"consumer:{case.consumer_id}", "supply", payload)]

    def _submit_evidence(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        plan = self._plan_of[case.id]
        if case.open_deadline(DeadlineKind.MERCHANT_EVIDENCE) is None:
            return []
        kinds = [MerchantEvidenceKind.QUALITY_CERTIFICATE, MerchantEvidenceKind.PURCHASE_VOUCHER]
        payload = SubmitMerchantEvidenceV1(
            evidence=[
                MerchantCommandEvidenceV1.model_validate(
                    {"kind": k, "uri": f"merchant://{case.merchant_id}/{k}.pdf"}
                )
                for k in kinds
            ],
            explanation=(
                "出厂检验合格，使用不当所致 / passed factory inspection; misuse"
                if plan.merchant_proves_no_defect
                else "同意按平台规则处理 / we accept the platform's decision"
            ),
        )
        return [self._cmd(case, f"merchant:{case.merchant_id}", "submit", payload)]

    def _spot_check_ordered(self, plan: Plan, event: EventEnvelope) -> None:
        alert_id = alert_id_of_scope(event.payload.get("scope"))
        if alert_id is not None:
            self._batches.setdefault(alert_id, []).append(plan)
        self._later(
            plan,
            event.case_id,
            lambda c: self._lab_result(c, plan, alert_id),
            extra=timedelta(days=2),
        )

    def _lab_result(
        self, case: ComplaintCase, plan: Plan, alert_id: str | None
    ) -> list[CommandEnvelopeV1]:
        if not case.spot_check_running:
            return []  # a batch result passed on already answered it
        outcome = plan.spot_check_outcome
        if alert_id is not None:
            # One batch, one finding: the earliest complaint's sample decides for all.
            outcome = min(self._batches[alert_id], key=lambda p: p.index).spot_check_outcome
        confirmed = outcome is SpotCheckOutcome.DEFECT_CONFIRMED
        payload = RecordSpotCheckResultV1(
            outcome=outcome,
            report_ref=f"lab://CNAS-{self._plan_of[case.id].index:05d}",
            findings="defect reproduced on sampled units" if confirmed else "within standard",
            cost_payer=Party.MERCHANT if confirmed else Party.PLATFORM,
        )
        return [self._cmd(case, LAB, "lab", payload)]

    def _decide(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        plan = self._plan_of[case.id]
        if case.status not in (CaseStatus.FILED, CaseStatus.VERIFYING) or case.spot_check_running:
            return []
        if any(
            case.open_deadline(k)
            for k in (DeadlineKind.INFORMATION, DeadlineKind.MERCHANT_EVIDENCE)
        ):
            return []
        check = case.last_spot_check
        outcome = None if check is None else check.outcome
        suggestion = suggest_liability(
            LiabilityFacts(
                category=case.category,
                merchant_responded=not plan.merchant_silent,
                visible_defect=case.has_visible_defect_evidence,
                spot_check_outcome=outcome,
                burden_of_proof_on_merchant=case.burden_of_proof_on_merchant,
                merchant_proved_no_defect=plan.merchant_proves_no_defect and not outcome,
                consumer_misuse=plan.consumer_misuse,
                self_repaired=False,
                past_expiry=False,
                force_majeure=False,
                merchant_evidence_expired=case.merchant_evidence_expired,
            )
        )
        cmds = [
            self._cmd(
                case,
                HANDLER,
                "assess",
                AssessEvidenceV1(authentic=True, relevant=True, lawful=True),
            ),
            self._cmd(
                case,
                HANDLER,
                "liability",
                DetermineLiabilityV1(
                    party=suggestion.party,
                    grounds=list(suggestion.grounds),
                    rule_refs=[r.code for r in suggestion.rule_refs] or ["PLATFORM-DISCRETION"],
                    reasoning=suggestion.reasoning,
                    testing_cost_payer=testing_cost_payer(suggestion.party),
                ),
            ),
        ]
        remedy = recommend_remedy(
            RemedyFacts(
                price=case.price,
                quantity=case.quantity,
                demand=case.demand,
                category=case.category,
                liable=suggestion.party,
                grounds=tuple(LiabilityGround(g) for g in suggestion.grounds),
                received_on=case.delivered_on,
                warranty_months=12,
                failed_repairs=0,
                fraud=case.category is ProblemCategory.COUNTERFEIT,
                unsafe_food=SafetyFlag.FOOD_ILLNESS in case.safety_flags,
                consumer_loss=Decimal("300.00") if case.safety_flags else Decimal(0),
            ),
            self.now().date(),
        )
        if remedy.kind is RemedyKind.NONE:
            cmds.append(
                self._cmd(case, HANDLER, "close", _close(ResolutionCode.NO_MERCHANT_LIABILITY))
            )
            return cmds
        offer = OfferRemedyV1(
            kind=remedy.kind,
            refund_amount=remedy.refund_amount,
            compensation_amount=remedy.compensation.amount if remedy.compensation else Decimal(0),
            shipping_paid_by=remedy.shipping_paid_by,
            rule_refs=[r.code for r in remedy.rule_refs],
            explanation=remedy.explanation[:200],
        )
        cmds.append(self._cmd(case, HANDLER, "offer", offer))
        return cmds

    def _answer_offer(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        if case.status is not CaseStatus.REMEDY_OFFERED:
            return []
        consumer = f"consumer:{case.consumer_id}"
        if self._plan_of[case.id].remedy_answer == "accept":
            return [self._cmd(case, consumer, "accept", AcceptRemedyV1())]
        reason = RejectRemedyV1(reason="补偿太少 / the offer is too low")
        return [self._cmd(case, consumer, "reject", reason)]

    def _after_acceptance(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        if case.status is not CaseStatus.REMEDY_ACCEPTED:
            return []
        offer = case.remedy_offer
        kind = RemedyKind.FULL_REFUND if offer is None else offer.kind
        if kind in _RETURNED_GOODS and case.return_received_at is None:
            payload = ReceiveReturnV1(tracking_ref=f"SF{880000 + self._plan_of[case.id].index}")
            return [self._cmd(case, f"merchant:{case.merchant_id}", "return", payload)]
        return self._execute(case)

    def _execute(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        offer = case.remedy_offer
        if case.status is not CaseStatus.REMEDY_ACCEPTED or offer is None:
            return []
        payload = ExecuteRemedyV1(amount_paid=offer.amount, reference=f"PAY-{case.order_id}")
        return [self._cmd(case, PAYMENTS, "execute", payload)]

    def _after_closure(self, plan: Plan, case_id: UUID) -> None:
        if plan.satisfaction is not None:
            score = plan.satisfaction
            self._later(
                plan,
                case_id,
                lambda c: [
                    self._cmd(
                        c,
                        f"consumer:{c.consumer_id}",
                        "survey",
                        RecordSatisfactionV1(score=score, comment=_COMMENTS[score]),
                    )
                ],
            )
        if plan.appeal and plan.index not in self._appealed:
            self._appealed.add(plan.index)
            self._later(plan, case_id, self._file_appeal, extra=timedelta(days=1))

    def _file_appeal(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        if case.status is not CaseStatus.CLOSED:
            return []
        payload = FileAppealV1(grounds="我不认同处理结果 / I disagree with the outcome")
        return [self._cmd(case, f"consumer:{case.consumer_id}", "appeal", payload)]

    def _decide_appeal(self, case: ComplaintCase) -> list[CommandEnvelopeV1]:
        if case.status is not CaseStatus.UNDER_APPEAL:
            return []
        upheld = self._plan_of[case.id].appeal_upheld
        payload = DecideAppealV1(
            outcome=AppealOutcome.UPHELD if upheld else AppealOutcome.DISMISSED,
            decision="new facts warrant a second look" if upheld else "the decision stands",
        )
        return [self._cmd(case, "handler:h-01", "appeal-decision", payload)]


_COMMENTS = {5: "很满意，处理很快", 4: "Good, thanks", 3: "一般", 2: "Slow", 1: "很不满意"}


def _close(resolution: ResolutionCode) -> CloseV1:
    return CloseV1(resolution=resolution, note=f"closed: {resolution.value}")
