"""The steps a console user may take on a case now, their forms, and the commands they send.

Which steps are offered is the transition table's answer
(:data:`complaint_events.domain.status.TRANSITIONS`) for the case's status,
narrowed to the steps of the user's role: handlers (and their leads) work the
case; auditors only read; a merchant submits its evidence (links to its files),
records the returned goods' arrival and the remedy carried out, which a
handler may also record for it. The command processor still decides, when it applies
the command, whether the step is allowed: the console only does not offer
what would certainly be refused.

A form's fields are those of the command's payload contract
(:mod:`complaint_events.contracts.commands`); the payload is validated by that
contract, with its bounds, before anything is sent. The liability and remedy
forms are prefilled with the rules' suggestions, computed by the API's
suggestion routes.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final, Literal
from uuid import UUID

from fastapi import HTTPException
from pydantic import BaseModel

from complaint_events.api.auth import Principal, Role
from complaint_events.api.routes_suggestions import liability_suggestion, remedy_suggestion
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.merchant_summary import merchant_summary
from complaint_events.clock import Clock
from complaint_events.contracts.bounds import LIST_MAX
from complaint_events.contracts.commands import (
    CloseV1,
    CommandPayload,
    DecideAppealV1,
    DetermineLiabilityV1,
    EscalateV1,
    ExecuteRemedyV1,
    OfferRemedyV1,
    OrderSpotCheckV1,
    ReceiveReturnV1,
    ReferToAuthorityV1,
    RequestInformationV1,
    RequestMerchantEvidenceV2,
    SubmitMerchantEvidenceV1,
)
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.status import TRANSITIONS, CaseStatus, Step
from complaint_events.domain.values import (
    AppealOutcome,
    Authority,
    DeadlineKind,
    LiabilityGround,
    MerchantEvidenceKind,
    Party,
    RemedyKind,
    ResolutionCode,
    SpotCheckMethod,
)

FieldKind = Literal[
    "text", "textarea", "lines", "select", "multi", "date", "number", "integer", "evidence"
]


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a step's form; ``lines`` is a list entered one item per line.

    ``integer`` is sent to the contract as a whole number (the contracts take
    no numeric text for one); ``evidence`` is a list of the merchant's
    evidence, one ``kind uri`` per line (``choices`` are the kinds).
    ``label`` names the field's words when the payload's field name is
    ambiguous (``reference``)."""

    name: str
    kind: FieldKind = "text"
    choices: tuple[str, ...] = ()
    required: bool = True
    label: str | None = None


def _choices(values: type[StrEnum]) -> tuple[str, ...]:
    return tuple(v.value for v in values)


@dataclass(frozen=True, slots=True)
class StepForm:
    """A step the console offers: its name, the table's step, its fields and its command.

    ``needs_clock`` names a clock that must be running for the step to be taken
    (evidence is only answered while the merchant's evidence clock runs)."""

    name: str
    step: Step
    fields: tuple[FormField, ...]
    payload: type[BaseModel]
    needs_clock: DeadlineKind | None = None


STEP_FORMS: Final[tuple[StepForm, ...]] = (
    StepForm(
        "request_information",
        Step.REQUEST_INFORMATION,
        (FormField("items", "lines"),),
        RequestInformationV1,
    ),
    StepForm(
        "request_merchant_evidence",
        Step.REQUEST_MERCHANT_EVIDENCE,
        (FormField("questions", "lines", required=False),),
        RequestMerchantEvidenceV2,
    ),
    StepForm(
        "submit_evidence",
        Step.SUBMIT_MERCHANT_EVIDENCE,
        (
            FormField("evidence", "evidence", _choices(MerchantEvidenceKind), required=False),
            FormField("explanation", "textarea", required=False),
        ),
        SubmitMerchantEvidenceV1,
        DeadlineKind.MERCHANT_EVIDENCE,
    ),
    StepForm(
        "order_spot_check",
        Step.ORDER_SPOT_CHECK,
        (
            FormField("method", "select", _choices(SpotCheckMethod)),
            FormField("scope"),
            FormField("lab"),
            FormField("cost_rule"),
        ),
        OrderSpotCheckV1,
    ),
    StepForm(
        "determine_liability",
        Step.DETERMINE_LIABILITY,
        (
            FormField("party", "select", _choices(Party)),
            FormField("grounds", "multi", _choices(LiabilityGround), required=False),
            FormField("rule_refs", "lines"),
            FormField("reasoning", "textarea"),
            FormField("testing_cost_payer", "select", _choices(Party)),
        ),
        DetermineLiabilityV1,
    ),
    StepForm(
        "offer_remedy",
        Step.OFFER_REMEDY,
        (
            FormField("kind", "select", _choices(RemedyKind)),
            FormField("refund_amount", "number"),
            FormField("compensation_amount", "number"),
            FormField("shipping_paid_by", "select", _choices(Party)),
            FormField("rule_refs", "lines", required=False),
            FormField("explanation", "textarea"),
        ),
        OfferRemedyV1,
    ),
    StepForm(
        "receive_return",
        Step.RECEIVE_RETURN,
        (FormField("tracking_ref"),),
        ReceiveReturnV1,
    ),
    StepForm(
        "execute_remedy",
        Step.EXECUTE_REMEDY,
        (FormField("amount_paid", "number"), FormField("reference", label="payment_reference")),
        ExecuteRemedyV1,
    ),
    StepForm(
        "close",
        Step.CLOSE,
        (
            FormField("resolution", "select", _choices(ResolutionCode)),
            FormField("note", "textarea", required=False),
        ),
        CloseV1,
    ),
    StepForm(
        "decide_appeal",
        Step.UPHOLD_APPEAL,
        (
            FormField("outcome", "select", _choices(AppealOutcome)),
            FormField("decision", "textarea"),
        ),
        DecideAppealV1,
    ),
    StepForm(
        "escalate",
        Step.ESCALATE,
        (FormField("reason", "textarea"), FormField("level", "integer")),
        EscalateV1,
    ),
    StepForm(
        "refer_to_authority",
        Step.REFER_TO_AUTHORITY,
        (
            FormField("authority", "select", _choices(Authority)),
            FormField("reference"),
            FormField("referred_on", "date"),
        ),
        ReferToAuthorityV1,
    ),
)
BY_NAME: Final[Mapping[str, StepForm]] = {form.name: form for form in STEP_FORMS}

MERCHANT_STEPS: Final = frozenset({"submit_evidence", "receive_return", "execute_remedy"})
"""The merchant's own steps (``POST /v1/cases/{id}/submit-evidence``, ``receive-return``,
``execute-remedy``); a handler may record the last two for it, as the API allows."""

ROLE_STEPS: Final[Mapping[Role, frozenset[str]]] = {
    Role.HANDLER: frozenset(BY_NAME) - {"submit_evidence"},
    Role.AUDITOR: frozenset(),
    Role.MERCHANT: MERCHANT_STEPS,
}


def allowed_steps(
    principal: Principal, status: str, running: Collection[str] = ()
) -> list[StepForm]:
    """The steps ``principal``'s role may take on a case in ``status`` whose clocks of the
    kinds ``running`` run (or are paused), in process order."""
    allowed = TRANSITIONS[CaseStatus(status)]
    mine = ROLE_STEPS.get(principal.role, frozenset())
    return [
        form
        for form in STEP_FORMS
        if form.name in mine
        and form.step in allowed
        and (form.needs_clock is None or form.needs_clock.value in running)
    ]


@dataclass(frozen=True, slots=True)
class Prefill:
    """Values a form starts with: the rules' suggestion where there is one."""

    values: Mapping[str, Any] = field(default_factory=dict)
    suggested: bool = False


def prefill(
    form: StepForm,
    case_id: UUID,
    principal: Principal,
    cases: ComplaintCases,
    clock: Clock,
) -> Prefill:
    """The liability and remedy forms start from the rules' suggestion; the others empty."""
    try:
        if form.name == "determine_liability":
            liable = liability_suggestion(case_id, principal, cases)
            return Prefill(
                {
                    "party": liable.party.value,
                    "grounds": [g.value for g in liable.grounds],
                    "rule_refs": [r.code for r in liable.rule_refs],
                    "reasoning": liable.reasoning,
                    "testing_cost_payer": liable.party.value,
                },
                suggested=True,
            )
        if form.name == "offer_remedy":
            remedy = remedy_suggestion(case_id, principal, cases, clock)
            compensation = remedy.compensation
            return Prefill(
                {
                    "kind": remedy.kind.value,
                    "refund_amount": str(remedy.refund_amount),
                    "compensation_amount": "0"
                    if compensation is None
                    else str(compensation.amount),
                    "shipping_paid_by": remedy.shipping_paid_by.value,
                    "rule_refs": [r.code for r in remedy.rule_refs],
                    "explanation": remedy.explanation,
                },
                suggested=True,
            )
    except HTTPException:
        return Prefill()  # no suggestion yet (e.g. liability not determined): an empty form
    if form.name == "escalate":
        return Prefill({"level": "1"})
    if form.name == "refer_to_authority":
        return Prefill({"referred_on": clock.now().date().isoformat()})
    return Prefill()


def form_values(form: StepForm, read: Callable[[str], list[str]]) -> dict[str, Any]:
    """The payload's fields from the posted form (``read(name)`` gives every value sent).

    Lists are bounded here too (at most ``LIST_MAX`` lines read), so a huge
    paste is refused by the contract rather than split without end.
    """
    values: dict[str, Any] = {}
    for spec in form.fields:
        sent = read(spec.name)
        if spec.kind == "lines":
            text = sent[0] if sent else ""
            values[spec.name] = [
                line.strip() for line in text.splitlines()[: LIST_MAX + 1] if line.strip()
            ]
        elif spec.kind == "evidence":
            text = sent[0] if sent else ""
            values[spec.name] = [
                _evidence(line) for line in text.splitlines()[: LIST_MAX + 1] if line.strip()
            ]
        elif spec.kind == "multi":
            values[spec.name] = sent[: LIST_MAX + 1]
        elif sent and sent[0].strip():
            text = sent[0].strip()
            whole = spec.kind == "integer" and text.isascii() and text.isdigit() and len(text) < 10
            values[spec.name] = int(text) if whole else text
    return values


def _evidence(line: str) -> dict[str, str]:
    """``kind uri`` as the contract's evidence item (a line without a link is refused by it)."""
    kind, _, uri = line.strip().partition(" ")
    return {"kind": kind, "uri": uri.strip()}


def build_payload(
    form: StepForm, values: Mapping[str, Any], cases: ComplaintCases
) -> CommandPayload | Callable[[ComplaintCase], CommandPayload]:
    """The command payload (validated by its contract; raises pydantic's ValidationError)."""
    if form.payload is RequestMerchantEvidenceV2:
        questions: Sequence[str] = values.get("questions") or []
        if len(questions) > LIST_MAX:
            raise ValueError(f"at most {LIST_MAX} questions")

        def with_summary(case: ComplaintCase) -> CommandPayload:
            summary = merchant_summary(
                case, cases.description_of(case), cases.contact_of(case), list(questions)
            )
            return RequestMerchantEvidenceV2(summary=summary)

        return with_summary
    payload = form.payload.model_validate(dict(values))
    assert isinstance(payload, CommandPayload)
    return payload
