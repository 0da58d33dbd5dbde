"""Commands on ``complaints.commands.v1`` and their results on ``complaints.command-results.v1``.

A command names a case command (a public method of ``ComplaintCase``) by its
snake_case name, carries that method's arguments as its payload, and who issued
it.  The command processor (elsewhere) turns ``actor``, ``issued_at``, the ids
and ``reason`` into the domain's ``Acting``.  Payloads refuse unknown fields:
a producer that sends what the schema does not describe is told so.

Note that ``reason`` in the envelope is why the command was issued (it goes into
the event's metadata); some payloads have their own ``reason`` that is part of
the decision (why a remedy is rejected, why a case is escalated).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Final, Literal, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from complaint_events.contracts.bounds import (
    LIST_MAX,
    LONG_TEXT_MAX,
    NO_NUL_PATTERN,
    SHORT_TEXT_MAX,
    CalendarDate,
    CanonicalUuid,
    Flag,
    LongText,
    Note,
    ShortText,
    Timestamp,
    Uri,
    WholeNumber,
    refuse_nul,
)
from complaint_events.contracts.events import (
    ContractError,
    NonNegativeMoney,
)
from complaint_events.domain.case import MAX_CASE_EVIDENCE
from complaint_events.domain.values import (
    ActorRole,
    AppealOutcome,
    Authority,
    Channel,
    Demand,
    EvidenceKind,
    LiabilityGround,
    MerchantEvidenceKind,
    Party,
    ProblemCategory,
    RemedyKind,
    ResolutionCode,
    Route,
    SpotCheckMethod,
    SpotCheckOutcome,
)

Text = ShortText
"""Text that must say something (not blank after trimming), at most 200 characters."""


class CommandPayload(BaseModel):
    """Base of every command payload: frozen, strict about unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    command_type: ClassVar[str]
    schema_version: ClassVar[int]

    _no_nul = model_validator(mode="before")(refuse_nul)


class CommandEvidenceV1(BaseModel):
    """A pointer to a consumer's evidence supplied after filing."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    kind: EvidenceKind
    uri: Uri


class MerchantCommandEvidenceV1(BaseModel):
    """A pointer to a merchant's certificate, voucher or explanation, as a merchant sends it.

    Strict about unknown keys, as every command is; the event that records it
    (``MerchantEvidenceRefV1``) stays tolerant for its readers."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    kind: MerchantEvidenceKind
    uri: Uri


# -------------------------------------------------------- triage, routing


class TriageV1(CommandPayload):
    command_type: ClassVar[str] = "triage"
    schema_version: ClassVar[int] = 1

    route: Route
    queue: Text
    fast_track: Flag
    burden_of_proof_on_merchant: Flag
    distress: Flag
    rule_refs: list[Text] = Field(default_factory=list, max_length=LIST_MAX)


class AssignV1(CommandPayload):
    command_type: ClassVar[str] = "assign"
    schema_version: ClassVar[int] = 1

    handler: Text


class RecordDuplicateV1(CommandPayload):
    command_type: ClassVar[str] = "record_duplicate"
    schema_version: ClassVar[int] = 1

    channel: Channel
    channel_ref: Text
    matched_on: Text = Field(description="What matched: the channel reference or the problem key")


class AcknowledgeV1(CommandPayload):
    command_type: ClassVar[str] = "acknowledge"
    schema_version: ClassVar[int] = 1

    notification_id: Text
    language: Literal["zh", "en"] = "zh"
    soothing: Flag = False


# ----------------------------------------------------------- verification


class RequestInformationV1(CommandPayload):
    command_type: ClassVar[str] = "request_information"
    schema_version: ClassVar[int] = 1

    items: list[Text] = Field(min_length=1, max_length=LIST_MAX)


class SupplyInformationV1(CommandPayload):
    command_type: ClassVar[str] = "supply_information"
    schema_version: ClassVar[int] = 1

    details: Note = ""
    evidence: list[CommandEvidenceV1] = Field(default_factory=list, max_length=LIST_MAX)


class ScheduleCallbackV1(CommandPayload):
    command_type: ClassVar[str] = "schedule_callback"
    schema_version: ClassVar[int] = 1

    scheduled_for: Timestamp
    note: Note = ""


class SummaryEvidenceV1(BaseModel):
    """A consumer's evidence as the merchant is shown it: its kind and where it is."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    kind: EvidenceKind
    uri: Uri


ScrubbedText = Annotated[
    str, Field(min_length=1, max_length=2 * LONG_TEXT_MAX, pattern=NO_NUL_PATTERN)
]
"""A text people wrote, scrubbed of personal data (masking may lengthen it, never doubles it)."""

IsoDate = Annotated[str, Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD")]


class MerchantSummaryV1(BaseModel):
    """The case as its merchant is shown it: no personal data, not even masked."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    order_id: Text
    sku: Text
    product_name: Text
    product_spec: Note = ""
    purchase_date: IsoDate | None = None
    delivered_on: IsoDate | None = None
    category: ProblemCategory
    demand: Demand
    complaint: ScrubbedText = Field(description="The description, scrubbed of personal data")
    evidence: list[SummaryEvidenceV1] = Field(default_factory=list, max_length=MAX_CASE_EVIDENCE)
    questions: list[ScrubbedText] = Field(default_factory=list, max_length=LIST_MAX)

    _no_nul = model_validator(mode="before")(refuse_nul)


SummaryKey = Annotated[str, Field(max_length=SHORT_TEXT_MAX, pattern=NO_NUL_PATTERN)]
SummaryText = Annotated[str, Field(max_length=2 * LONG_TEXT_MAX, pattern=NO_NUL_PATTERN)]
SummaryValue = (
    SummaryText
    | int
    | bool
    | None
    | Annotated[list[SummaryText], Field(max_length=MAX_CASE_EVIDENCE)]
    | Annotated[list[dict[SummaryKey, SummaryText]], Field(max_length=MAX_CASE_EVIDENCE)]
)
"""A value of a version 1 summary: a text, a number, or a bounded list of texts or records."""


class RequestMerchantEvidenceV1(CommandPayload):
    """Version 1: a free-form summary, bounded in size; version 2 says what it holds."""

    command_type: ClassVar[str] = "request_merchant_evidence"
    schema_version: ClassVar[int] = 1

    summary: dict[SummaryKey, SummaryValue] = Field(
        max_length=LIST_MAX,
        description="What the merchant is shown; personal data must already be masked",
    )


class RequestMerchantEvidenceV2(CommandPayload):
    command_type: ClassVar[str] = "request_merchant_evidence"
    schema_version: ClassVar[int] = 2

    summary: MerchantSummaryV1 = Field(
        description="What the merchant is shown; personal data must already be removed"
    )


class SubmitMerchantEvidenceV1(CommandPayload):
    command_type: ClassVar[str] = "submit_merchant_evidence"
    schema_version: ClassVar[int] = 1

    evidence: list[MerchantCommandEvidenceV1] = Field(default_factory=list, max_length=LIST_MAX)
    explanation: Note = ""


class OrderSpotCheckV1(CommandPayload):
    command_type: ClassVar[str] = "order_spot_check"
    schema_version: ClassVar[int] = 1

    method: SpotCheckMethod
    scope: Text
    lab: Text
    cost_rule: Text


class RecordSpotCheckResultV1(CommandPayload):
    command_type: ClassVar[str] = "record_spot_check_result"
    schema_version: ClassVar[int] = 1

    outcome: SpotCheckOutcome
    report_ref: Text
    findings: LongText
    cost_payer: Party


class AssessEvidenceV1(CommandPayload):
    command_type: ClassVar[str] = "assess_evidence"
    schema_version: ClassVar[int] = 1

    authentic: Flag
    relevant: Flag
    lawful: Flag
    notes: Note = ""


# ------------------------------------------------------ liability, remedy


class DetermineLiabilityV1(CommandPayload):
    command_type: ClassVar[str] = "determine_liability"
    schema_version: ClassVar[int] = 1

    party: Party
    grounds: list[LiabilityGround] = Field(max_length=LIST_MAX)
    rule_refs: list[Text] = Field(min_length=1, max_length=LIST_MAX)
    reasoning: LongText
    testing_cost_payer: Party


class OfferRemedyV1(CommandPayload):
    command_type: ClassVar[str] = "offer_remedy"
    schema_version: ClassVar[int] = 1

    kind: RemedyKind
    refund_amount: NonNegativeMoney
    compensation_amount: NonNegativeMoney
    shipping_paid_by: Party
    rule_refs: list[Text] = Field(max_length=LIST_MAX)
    explanation: LongText


class AcceptRemedyV1(CommandPayload):
    command_type: ClassVar[str] = "accept_remedy"
    schema_version: ClassVar[int] = 1


class RejectRemedyV1(CommandPayload):
    command_type: ClassVar[str] = "reject_remedy"
    schema_version: ClassVar[int] = 1

    reason: LongText = Field(description="Why the consumer rejects the offer")


class ReceiveReturnV1(CommandPayload):
    command_type: ClassVar[str] = "receive_return"
    schema_version: ClassVar[int] = 1

    tracking_ref: Text


class ExecuteRemedyV1(CommandPayload):
    command_type: ClassVar[str] = "execute_remedy"
    schema_version: ClassVar[int] = 1

    amount_paid: NonNegativeMoney
    reference: Text


# ------------------------------------------------------ closure and after


class CloseV1(CommandPayload):
    command_type: ClassVar[str] = "close"
    schema_version: ClassVar[int] = 1

    resolution: ResolutionCode
    note: Note = ""


class RecordSatisfactionV1(CommandPayload):
    command_type: ClassVar[str] = "record_satisfaction"
    schema_version: ClassVar[int] = 1

    score: WholeNumber = Field(ge=1, le=5)
    comment: Note = ""


class FileAppealV1(CommandPayload):
    command_type: ClassVar[str] = "file_appeal"
    schema_version: ClassVar[int] = 1

    grounds: LongText


class DecideAppealV1(CommandPayload):
    command_type: ClassVar[str] = "decide_appeal"
    schema_version: ClassVar[int] = 1

    outcome: AppealOutcome
    decision: LongText


class ReopenV1(CommandPayload):
    command_type: ClassVar[str] = "reopen"
    schema_version: ClassVar[int] = 1

    new_facts: LongText


class EscalateV1(CommandPayload):
    command_type: ClassVar[str] = "escalate"
    schema_version: ClassVar[int] = 1

    reason: LongText = Field(description="Why the case is escalated")
    level: WholeNumber = Field(default=1, ge=1, le=10)


class ReferToAuthorityV1(CommandPayload):
    command_type: ClassVar[str] = "refer_to_authority"
    schema_version: ClassVar[int] = 1

    authority: Authority = Field(
        description="market_regulator (市场监督管理部门, 12315), consumer_association "
        "(消费者协会) or public_security (公安机关)"
    )
    reference: Text = Field(description="The authority's own reference for the case")
    referred_on: CalendarDate = Field(
        description="The day the case was referred, not later than today"
    )


class RecordPenaltyV1(CommandPayload):
    command_type: ClassVar[str] = "record_penalty"
    schema_version: ClassVar[int] = 1

    reason: LongText = Field(description="Why the merchant is penalised")
    rule_refs: list[Text] = Field(default_factory=list, max_length=LIST_MAX)


# --------------------------------------------------------- batch quality


class LinkBatchAlertV1(CommandPayload):
    """Sent by the batch detector to each case of a batch-quality alert on its SKU."""

    command_type: ClassVar[str] = "link_batch_alert"
    schema_version: ClassVar[int] = 1

    alert_id: Text = Field(description="The alert it links: a repeat changes nothing")
    sku: Text


class LinkBatchAlertV2(CommandPayload):
    """V1 with the SKU's one clock for the batch's spot check, and which case reports it late.

    Breaking for V1's readers (new fields where unknown ones are refused)."""

    command_type: ClassVar[str] = "link_batch_alert"
    schema_version: ClassVar[int] = 2

    alert_id: Text = Field(description="The alert it links: a repeat changes nothing")
    sku: Text
    spot_check_due_at: Timestamp | None = Field(
        description="When the batch's result is due: the SKU's one clock, which every linked "
        "case waits on (null: an alert raised before the SKU kept it; the case starts its own)"
    )
    reports_lateness: Flag = Field(
        description="Whether this case escalates when the batch's result is late: true for "
        "the alert's first case only, so a late result escalates once"
    )


# ------------------------------------------------------------- deadlines


class SendReminderV1(CommandPayload):
    command_type: ClassVar[str] = "send_reminder"
    schema_version: ClassVar[int] = 1

    deadline_id: Text


class ExpireDeadlineV1(CommandPayload):
    command_type: ClassVar[str] = "expire_deadline"
    schema_version: ClassVar[int] = 1

    deadline_id: Text = Field(description="The deadline it expires: a repeat changes nothing")


# -------------------------------------------------------------- registry

ALL_COMMAND_MODELS: Final[tuple[type[CommandPayload], ...]] = (
    TriageV1,
    AssignV1,
    RecordDuplicateV1,
    AcknowledgeV1,
    RequestInformationV1,
    SupplyInformationV1,
    ScheduleCallbackV1,
    RequestMerchantEvidenceV1,
    RequestMerchantEvidenceV2,
    SubmitMerchantEvidenceV1,
    OrderSpotCheckV1,
    RecordSpotCheckResultV1,
    AssessEvidenceV1,
    DetermineLiabilityV1,
    OfferRemedyV1,
    AcceptRemedyV1,
    RejectRemedyV1,
    ReceiveReturnV1,
    ExecuteRemedyV1,
    CloseV1,
    RecordSatisfactionV1,
    FileAppealV1,
    DecideAppealV1,
    ReopenV1,
    EscalateV1,
    ReferToAuthorityV1,
    RecordPenaltyV1,
    SendReminderV1,
    ExpireDeadlineV1,
    LinkBatchAlertV1,
    LinkBatchAlertV2,
)
"""Every command payload model, every version."""

COMMAND_PAYLOAD_VERSIONS: Final[Mapping[tuple[str, int], type[CommandPayload]]] = MappingProxyType(
    {(m.command_type, m.schema_version): m for m in ALL_COMMAND_MODELS}
)


def _current() -> dict[str, tuple[int, type[BaseModel]]]:
    current: dict[str, tuple[int, type[BaseModel]]] = {}
    for (command_type, version), model in COMMAND_PAYLOAD_VERSIONS.items():
        if command_type not in current or version > current[command_type][0]:
            current[command_type] = (version, model)
    return current


COMMAND_PAYLOADS: Final[Mapping[str, tuple[int, type[BaseModel]]]] = MappingProxyType(_current())
"""Command type (the ``ComplaintCase`` method name) -> (current schema version, model)."""


ISSUED_BY_PROCESSORS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "triage": "the router triages every filed case by the routing rules; a handler "
        "who disagrees escalates or reassigns",
        "record_duplicate": "intake records a second submission of a complaint on the case "
        "it repeats, in the transaction that files the batch",
        "acknowledge": "the acknowledgement processor records the receipt it sent",
        "link_batch_alert": "the batch-quality detector links every case of a SKU's alert",
        "send_reminder": "the deadline keeper sends a reminder when a clock reaches it",
        "expire_deadline": "the deadline keeper expires a clock when it runs out",
    }
)
"""Commands no person sends: each is a processor's, for the reason given. Every other
command has an HTTP route (docs/api.md); a test holds the two lists together."""


def command_model(command_type: str, version: int) -> type[CommandPayload]:
    """The payload model of ``command_type`` at ``version``; ContractError if none."""
    try:
        return COMMAND_PAYLOAD_VERSIONS[(command_type, version)]
    except KeyError:
        known = sorted(v for t, v in COMMAND_PAYLOAD_VERSIONS if t == command_type)
        if not known:
            raise ContractError(
                f"unknown command type {command_type!r}; known: "
                f"{', '.join(sorted(COMMAND_PAYLOADS))}"
            ) from None
        raise ContractError(
            f"command {command_type!r} has no schema version {version} "
            f"(known versions: {', '.join(map(str, known))})"
        ) from None


# -------------------------------------------------------- envelope, result


_ACTOR: Final = r"^(?:" + "|".join(r.value for r in ActorRole) + r"):\s*[^\s\x00][^\x00]*$"


def _actor_is_role_and_id(actor: object) -> object:
    if isinstance(actor, str) and len(actor) <= SHORT_TEXT_MAX and re.fullmatch(_ACTOR, actor):
        return actor
    raise ValueError(
        f"actor must be 'role:id' (at most {SHORT_TEXT_MAX} characters) with role one of "
        f"{', '.join(r.value for r in ActorRole)}; got {actor!r}"
    )


Actor = Annotated[
    str,
    BeforeValidator(_actor_is_role_and_id),
    WithJsonSchema({"type": "string", "maxLength": SHORT_TEXT_MAX, "pattern": _ACTOR}),
]
"""Who issued a command: 'role:id'."""


class CommandEnvelopeV1(BaseModel):
    """One command for one case; ``command_id`` makes a redelivery harmless."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")

    command_id: CanonicalUuid
    command_type: str = Field(
        min_length=1, max_length=100, description="A ComplaintCase method, e.g. close"
    )
    schema_version: WholeNumber = Field(ge=1)
    case_id: CanonicalUuid
    actor: Actor = Field(description="'role:id', role one of " + ", ".join(ActorRole))
    issued_at: Timestamp
    correlation_id: str | None = Field(
        default=None, max_length=SHORT_TEXT_MAX, pattern=NO_NUL_PATTERN
    )
    reason: str | None = Field(
        default=None,
        max_length=LONG_TEXT_MAX,
        pattern=NO_NUL_PATTERN,
        description="Why the command was issued (audit)",
    )
    payload: dict[str, Any] = Field(
        description="Validated by schemas/commands/<CommandType>.v<schema_version>.json"
    )

    @field_validator("payload")
    @classmethod
    def _payload_matches_its_contract(
        cls, payload: dict[str, Any], info: ValidationInfo
    ) -> dict[str, Any]:
        command_type = info.data.get("command_type")
        version = info.data.get("schema_version")
        if not isinstance(command_type, str) or not isinstance(version, int):
            return payload
        try:
            model = command_model(command_type, version)
            return model.model_validate(payload).model_dump(mode="json")
        except ContractError as error:
            raise ValueError(str(error)) from None
        except ValidationError as error:
            raise ValueError(f"payload does not match {command_type} v{version}: {error}") from None

    def typed_payload(self) -> CommandPayload:
        """The payload as its registered model (enums, Decimal money, datetimes)."""
        return command_model(self.command_type, self.schema_version).model_validate(self.payload)

    def kafka_key(self) -> bytes:
        """The message key: the case id, so one case's commands are handled in order."""
        return str(self.case_id).encode("ascii")


class CommandResultV1(BaseModel):
    """What became of a command: accepted (with the events it recorded) or rejected."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        regex_engine="python-re",
        # The rule of _outcome_is_consistent, for readers of the schema.
        json_schema_extra={
            "if": {"properties": {"outcome": {"const": "rejected"}}, "required": ["outcome"]},
            "then": {
                "required": ["error_code"],
                "properties": {
                    "error_code": {"type": "string", "minLength": 1},
                    "event_ids": {"maxItems": 0},
                },
            },
            "else": {"properties": {"error_code": {"type": "null"}}},
        },
    )

    command_id: CanonicalUuid
    case_id: CanonicalUuid
    outcome: Literal["accepted", "rejected"]
    event_ids: list[CanonicalUuid] = Field(
        default_factory=list,
        description="Events recorded; empty when an idempotent command changed nothing",
    )
    reason: str | None = Field(default=None, description="Why it was rejected, for people")
    error_code: str | None = Field(default=None, description="The domain error's code")
    decided_at: Timestamp

    @model_validator(mode="after")
    def _outcome_is_consistent(self) -> Self:
        if self.outcome == "rejected" and (self.event_ids or not self.error_code):
            raise ValueError("a rejected command records no events and names an error_code")
        if self.outcome == "accepted" and self.error_code is not None:
            raise ValueError("an accepted command has no error_code")
        return self

    def kafka_key(self) -> bytes:
        """The message key on the results topic: the command id."""
        return str(self.command_id).encode("ascii")
