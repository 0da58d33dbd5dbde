"""What the rules suggest, shown beside the handler's liability and remedy forms.

The facts come from the case as it stands; what only the handler can judge
(misuse, self-repair, expiry, force majeure, the merchant's proof, the warranty,
failed repairs, the consumer's loss) comes from query parameters, so the form
can update the suggestion as the handler ticks boxes. Nothing is recorded: the
handler posts the decision to ``determine-liability`` / ``offer-remedy``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Final
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field

from complaint_events.api.actions import visible_case
from complaint_events.api.auth import Principal, Role, require
from complaint_events.api.deps import CasesDep, ClockDep
from complaint_events.api.problems import answers
from complaint_events.domain.rules.liability import LiabilityFacts, suggest_liability
from complaint_events.domain.rules.references import RuleRef
from complaint_events.domain.rules.remedies import RemedyFacts, recommend_remedy
from complaint_events.domain.values import (
    LiabilityGround,
    Party,
    ProblemCategory,
    RemedyKind,
    SafetyFlag,
)

router = APIRouter(prefix="/v1/cases", tags=["handler actions"])

HandlerOnly = Annotated[Principal, Depends(require(Role.HANDLER))]
Flag = Annotated[bool, Query(description="The handler's finding")]
CONSUMER_LOSS_PATTERN: Final = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"
"""Yuan, at most 99,999,999.99: exact, so no float ever rounds a claim."""
_RESPONSES: Final = answers(401, 404, s403="Handlers only")


class RuleReference(BaseModel):
    """A rule the suggestion rests on."""

    code: str
    source: str
    article: str
    summary: str

    @classmethod
    def of(cls, ref: RuleRef) -> RuleReference:
        return cls(code=ref.code, source=ref.source, article=ref.article, summary=ref.summary)


class LiabilitySuggestionOut(BaseModel):
    """Who the rules hold liable, on what grounds, citing which rules."""

    party: Party
    grounds: list[LiabilityGround]
    rule_refs: list[RuleReference]
    reasoning: str


class CompensationOut(BaseModel):
    """Statutory compensation on top of the refund, and where the consumer claims it."""

    amount: Decimal
    basis: str
    rule_refs: list[RuleReference]
    where_to_claim: str


class RemedySuggestionOut(BaseModel):
    """The remedy the rules recommend, what it costs whom, and why."""

    kind: RemedyKind
    refund_amount: Decimal
    shipping_paid_by: Party
    compensation: CompensationOut | None = Field(description="None when no statute adds any")
    rule_refs: list[RuleReference]
    explanation: str


@router.get(
    "/{case_id}/liability-suggestion",
    response_model=LiabilitySuggestionOut,
    summary="The rules' liability suggestion",
    responses=_RESPONSES,
)
def liability_suggestion(
    case_id: UUID,
    principal: HandlerOnly,
    cases: CasesDep,
    consumer_misuse: Flag = False,
    self_repaired: Flag = False,
    past_expiry: Flag = False,
    force_majeure: Flag = False,
    merchant_proved_no_defect: Flag = False,
) -> LiabilitySuggestionOut:
    """The suggestion for the case's verified facts and the handler's findings."""
    case = visible_case(cases, principal, case_id)
    suggestion = suggest_liability(
        LiabilityFacts(
            category=case.category,
            merchant_responded=bool(case.merchant_evidence),
            visible_defect=case.has_visible_defect_evidence,
            spot_check_outcome=case.last_spot_check_outcome,
            burden_of_proof_on_merchant=case.burden_of_proof_on_merchant,
            merchant_proved_no_defect=merchant_proved_no_defect,
            consumer_misuse=consumer_misuse,
            self_repaired=self_repaired,
            past_expiry=past_expiry,
            force_majeure=force_majeure,
            merchant_evidence_expired=case.merchant_evidence_expired,
        )
    )
    return LiabilitySuggestionOut(
        party=suggestion.party,
        grounds=list(suggestion.grounds),
        rule_refs=[RuleReference.of(r) for r in suggestion.rule_refs],
        reasoning=suggestion.reasoning,
    )


@router.get(
    "/{case_id}/remedy-suggestion",
    response_model=RemedySuggestionOut,
    summary="The rules' remedy suggestion, with statutory compensation",
    responses={
        **_RESPONSES,
        **answers(s409="Liability is not determined yet (and the case is no no-reason return)"),
    },
)
def remedy_suggestion(
    case_id: UUID,
    principal: HandlerOnly,
    cases: CasesDep,
    clock: ClockDep,
    warranty_months: Annotated[int, Query(ge=0, le=120, description="Warranty (三包)")] = 12,
    failed_repairs: Annotated[int, Query(ge=0, le=20, description="Repairs that failed")] = 0,
    consumer_loss: Annotated[
        str,
        Query(
            pattern=CONSUMER_LOSS_PATTERN,
            description="Loss beyond the price, in yuan, as an exact decimal: e.g. 120.50",
        ),
    ] = "0",
) -> RemedySuggestionOut:
    """The recommendation for the recorded liability (三包, CPL Arts. 24/25/55, FSL Art. 148).

    A no-reason return (CPL Art. 25) needs no liability finding: it is suggested
    before one is recorded."""
    case = visible_case(cases, principal, case_id)
    liability = case.liability_finding
    if liability is None and case.category is not ProblemCategory.NO_REASON_RETURN:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="liability is not determined yet on this case"
        )
    # A no-reason return before any finding: the rules are told nobody is liable yet.
    liable, grounds = (
        (Party.UNCLEAR, ()) if liability is None else (liability.party, liability.grounds)
    )
    remedy = recommend_remedy(
        RemedyFacts(
            price=case.price,
            quantity=case.quantity,
            demand=case.demand,
            category=case.category,
            liable=liable,
            grounds=grounds,
            received_on=case.delivered_on,
            warranty_months=warranty_months,
            failed_repairs=failed_repairs,
            fraud=case.category is ProblemCategory.COUNTERFEIT
            or LiabilityGround.COUNTERFEIT in grounds,
            unsafe_food=SafetyFlag.FOOD_ILLNESS in case.safety_flags,
            consumer_loss=Decimal(consumer_loss),
        ),
        clock.now().date(),
    )
    compensation = remedy.compensation
    return RemedySuggestionOut(
        kind=remedy.kind,
        refund_amount=remedy.refund_amount,
        shipping_paid_by=remedy.shipping_paid_by,
        compensation=None
        if compensation is None
        else CompensationOut(
            amount=compensation.amount,
            basis=compensation.basis,
            rule_refs=[RuleReference.of(r) for r in compensation.rule_refs],
            where_to_claim=compensation.where_to_claim,
        ),
        rule_refs=[RuleReference.of(r) for r in remedy.rule_refs],
        explanation=remedy.explanation,
    )
