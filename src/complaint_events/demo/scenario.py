"""A short scenario: four complaints played through their lifecycles on a simulated clock.

It uses the same application, rules and deadlines as the Kafka deployment;
only the clock is simulated, so days pass in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import partial
from uuid import UUID

from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import SimulatedClock
from complaint_events.demo import samples
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.masking import ERASED, ConsumerContact, KnownDetailsRedactor
from complaint_events.domain.rules.liability import LiabilityFacts, suggest_liability
from complaint_events.domain.rules.liability import testing_cost_payer as cost_payer
from complaint_events.domain.rules.remedies import RemedyFacts, recommend_remedy
from complaint_events.domain.rules.triage import TriageFacts, triage
from complaint_events.domain.values import (
    LiabilityGround,
    Party,
    ProblemCategory,
    ResolutionCode,
    SafetyFlag,
    SpotCheckOutcome,
)

HANDLER = "handler:h-07"
KEEPER = "system:deadline-keeper"


@dataclass
class Scenario:
    """Plays the sample cases; ``say`` receives one line per thing that happens."""

    cases: ComplaintCases
    clock: SimulatedClock
    say: Callable[[str], None]

    def by(self, actor: str) -> Acting:
        return Acting(actor, self.clock.now())

    def run(self) -> list[UUID]:
        """Play every sample; return the ids of the cases opened."""
        kettle = self._file(samples.leaking_kettle(self.clock.now()))
        snack = self._file(samples.spoiled_snack(self.clock.now()))
        vague = self._file(samples.silent_consumer(self.clock.now()))
        for case_id in (kettle, snack, vague):
            self._triage_and_acknowledge(case_id)
        self.clock.advance(timedelta(hours=3))
        self._file(samples.kettle_again_by_email(self.clock.now()))

        self.cases.act(
            kettle,
            lambda c: c.request_merchant_evidence(
                _merchant_summary(
                    c, self.cases.description_of(c) or ERASED, self.cases.contact_of(c)
                ),
                self.by(HANDLER),
                self.cases.policy,
            ),
        )
        self.cases.act(
            vague,
            lambda c: c.request_information(
                ["order number", "photo of the problem"], self.by(HANDLER), self.cases.policy
            ),
        )
        self.say("kettle: merchant evidence requested; phone case: information requested")

        self.clock.advance(timedelta(days=1))
        self._food_safety(snack)

        self.clock.advance(timedelta(days=3))
        self._expire_due_deadlines(kettle, vague)
        self._settle_kettle(kettle)
        return [kettle, snack, vague]

    def _file(self, details: ComplaintDetails) -> UUID:
        outcome = self.cases.file_complaint(details, self.by(f"adapter:{details.channel}"))
        verb = "opened" if outcome.opened else f"duplicate of (matched on {outcome.matched_on})"
        self.say(f"{details.channel} {details.channel_ref}: {verb} case {outcome.case_id}")
        return outcome.case_id

    def _triage_and_acknowledge(self, case_id: UUID) -> None:
        case = self.cases.get_case(case_id)
        decision = triage(
            TriageFacts(
                category=case.category,
                safety_flags=case.safety_flags,
                product_type=case.product_type,
                product_name=case.product_name,
                description="",  # sealed: judged when filed
                distress=case.filed_distressed,
                demand=case.demand,
                delivered_on=case.delivered_on,
            ),
            self.clock.now().date(),
        )
        router = self.by("system:router")

        def route(c: ComplaintCase) -> None:
            c.triage(
                route=decision.route,
                queue=decision.queue,
                fast_track=decision.fast_track,
                burden_of_proof_on_merchant=decision.burden_of_proof_on_merchant,
                distress=decision.distress,
                rule_refs=[r.code for r in decision.rule_refs],
                by=router,
            )
            if decision.escalate:
                c.escalate("safety case: fast track to the safety team", 1, router)
            c.acknowledge(
                notification_id=f"ack-{case_id}",
                language=c.language,
                soothing=decision.distress,
                by=self.by("system:acknowledger"),
            )

        self.cases.act(case_id, route)
        self.say(
            f"case {case_id}: route {decision.route}, queue {decision.queue}"
            f"{', fast track' if decision.fast_track else ''}; acknowledged"
        )

    def _food_safety(self, case_id: UUID) -> None:
        handler = self.by(HANDLER)
        self.cases.act(
            case_id,
            lambda c: c.order_spot_check(
                method="same_model_sampling",
                scope="case",
                lab="Hangzhou Food Testing Centre",
                cost_rule="the party found at fault pays",
                by=handler,
                policy=self.cases.policy,
            ),
        )
        self.clock.advance(timedelta(days=2))
        self.cases.act(
            case_id,
            lambda c: c.record_spot_check_result(
                outcome=SpotCheckOutcome.DEFECT_CONFIRMED,
                report_ref="lab://HZ-2026-0042",
                findings="aflatoxin B1 above the national limit",
                cost_payer="merchant",
                by=self.by(HANDLER),
            ),
        )
        case = self.cases.get_case(case_id)
        suggestion = suggest_liability(
            LiabilityFacts(
                category=case.category,
                merchant_responded=True,
                visible_defect=True,
                spot_check_outcome=SpotCheckOutcome.DEFECT_CONFIRMED,
                burden_of_proof_on_merchant=case.burden_of_proof_on_merchant,
                merchant_proved_no_defect=False,
                consumer_misuse=False,
                self_repaired=False,
                past_expiry=False,
                force_majeure=False,
            )
        )
        self._decide(
            case_id,
            suggestion.party,
            [g.value for g in suggestion.grounds],
            [r.code for r in suggestion.rule_refs],
            suggestion.reasoning,
        )
        self.cases.act(case_id, lambda c: c.accept_remedy(self.by(f"consumer:{c.consumer_id}")))
        self.say(f"case {case_id}: spot check confirmed the defect; remedy accepted")

    def _decide(
        self, case_id: UUID, party: str, grounds: list[str], refs: list[str], reasoning: str
    ) -> None:
        case = self.cases.get_case(case_id)
        remedy = recommend_remedy(
            RemedyFacts(
                price=case.price,
                quantity=case.quantity,
                demand=case.demand,
                category=case.category,
                liable=Party(party),
                grounds=tuple(LiabilityGround(g) for g in grounds),
                received_on=case.delivered_on,
                warranty_months=12,
                failed_repairs=0,
                fraud=case.category is ProblemCategory.COUNTERFEIT,
                unsafe_food=SafetyFlag.FOOD_ILLNESS in case.safety_flags,
                consumer_loss=Decimal("300.00"),
            ),
            self.clock.now().date(),
        )
        handler = self.by(HANDLER)
        compensation = remedy.compensation.amount if remedy.compensation else Decimal(0)

        def decide(c: ComplaintCase) -> None:
            c.determine_liability(
                party=party,
                grounds=grounds,
                rule_refs=refs,
                reasoning=reasoning,
                testing_cost_payer=cost_payer(Party(party)),
                by=handler,
            )
            c.offer_remedy(
                kind=remedy.kind,
                refund_amount=remedy.refund_amount,
                compensation_amount=compensation,
                shipping_paid_by=remedy.shipping_paid_by,
                rule_refs=[r.code for r in remedy.rule_refs],
                explanation=remedy.explanation,
                by=handler,
                policy=self.cases.policy,
            )

        self.cases.act(case_id, decide)
        self.say(
            f"case {case_id}: liability {party}; offered {remedy.kind} "
            f"¥{remedy.refund_amount} + ¥{compensation} statutory compensation"
        )

    def _expire_due_deadlines(self, *case_ids: UUID) -> None:
        keeper = self.by(KEEPER)
        for case_id in case_ids:
            for deadline in self.cases.get_case(case_id).running_deadlines:
                if deadline.due_at <= keeper.at:
                    self.cases.act(
                        case_id,
                        partial(
                            _expire,
                            deadline_id=deadline.deadline_id,
                            by=keeper,
                            policy=self.cases.policy,
                        ),
                    )
                    self.say(f"case {case_id}: deadline {deadline.kind} expired")

    def _settle_kettle(self, case_id: UUID) -> None:
        consumer = f"consumer:{self.cases.get_case(case_id).consumer_id}"
        self.cases.act(case_id, lambda c: c.accept_remedy(self.by(consumer)))
        self.clock.advance(timedelta(days=2))
        self.cases.act(
            case_id,
            lambda c: c.receive_return(
                "SF1234567890", self.by("merchant:m-kitchen"), self.cases.policy
            ),
        )
        self.clock.advance(timedelta(days=1))

        def refund_and_close(c: ComplaintCase) -> None:
            offer = c.remedy_offer
            assert offer is not None
            c.execute_remedy(offer.refund_amount, "refund-R-5531", self.by("system:payments"))
            c.close(
                ResolutionCode.REMEDY_EXECUTED,
                "refunded after return",
                self.by(HANDLER),
                self.cases.policy,
            )

        self.cases.act(case_id, refund_and_close)
        self.clock.advance(timedelta(days=1))
        self.cases.act(
            case_id, lambda c: c.record_satisfaction(5, "很满意，处理很快", self.by(consumer))
        )
        self.say(f"case {case_id}: refunded, closed, satisfaction 5/5")


def _expire(case: ComplaintCase, deadline_id: str, by: Acting, policy: DeadlinePolicy) -> None:
    case.expire_deadline(deadline_id, by, policy)


def _merchant_summary(
    case: ComplaintCase, description: str, contact: Contact | None
) -> dict[str, object]:
    """What the merchant is sent (个人信息保护法): no consumer identity, no contact.

    The summary is stored in the event for good, so it holds no personal data,
    not even masked: the masked contact is shown at read time, from the sealed
    contact, and disappears with it when the consumer's data is erased.
    """
    return {
        "order_id": case.order_id,
        "sku": case.sku,
        "product_name": case.product_name,
        "complaint": KnownDetailsRedactor.for_contact(
            None if contact is None else ConsumerContact.from_contact(contact)
        ).text(description),
        "evidence": [e["uri"] for e in case.evidence],
    }
