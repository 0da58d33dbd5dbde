"""Published case events: one frozen payload model per event of ``ComplaintCase``.

Each model mirrors the parameters of one ``@event`` mutator in
:mod:`complaint_events.domain.case`, except ``timestamp`` and ``meta``, which
travel in the :class:`~complaint_events.contracts.envelope.EventEnvelope`.
The SKU-level ``SkuQuality`` aggregate (:mod:`complaint_events.domain.sku_quality`)
has its payload models here too, so the same translator can publish them.

Choices that every consumer relies on:

* **Money is an exact decimal string** (``"99.90"``), never a JSON number, so no
  consumer reads a float.  In Python it is a :class:`~decimal.Decimal`; floats are
  refused on input.
* **Payloads are tolerant readers** (``extra="ignore"``): a newer producer may add
  an optional field to a V1 payload and an older consumer still decodes it.  The
  translator, not the model, refuses a domain event with a field its contract
  lacks, so drift between the domain and the contract is still caught.
* Fields holding personal data carry ``"x-personal-data": true`` in the schema.
* A change an old consumer cannot read needs a new model (``...V2``) registered
  beside the old one; :mod:`.schema_files` refuses to overwrite the old schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Annotated, Any, ClassVar, Final, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    PlainSerializer,
    WithJsonSchema,
)

from complaint_events.contracts.bounds import (
    CalendarDate,
    CanonicalUuid,
    Flag,
    Number,
    Timestamp,
    Uri,
    WholeNumber,
)
from complaint_events.domain.deadlines import DeadlineState
from complaint_events.domain.rules.triage import shows_distress
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import (
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


class ContractError(Exception):
    """A message or domain event that no wire contract describes, or that breaks its contract."""


# ------------------------------------------------------------------ money


_AMOUNT: Final = re.compile(r"-?\d+(\.\d+)?")
_NON_NEGATIVE_AMOUNT: Final = re.compile(r"\d+(\.\d+)?")


def _exact(pattern: re.Pattern[str]) -> Callable[[object], object]:
    def check(value: object) -> object:
        # A float has already lost the exact amount, and "1e5" or 5 is not what the
        # published schema describes: money is a plain decimal string, or a Decimal
        # handed over in Python.
        if isinstance(value, Decimal):
            return value
        if isinstance(value, str) and pattern.fullmatch(value):
            return value
        raise ValueError(
            "money must be an exact decimal string such as '99.90' "
            f"(digits, optionally a point and more digits), not {value!r}"
        )

    return check


def _plain(amount: Decimal) -> str:
    return format(amount, "f")


Money = Annotated[
    Decimal,
    BeforeValidator(_exact(_AMOUNT)),
    Field(allow_inf_nan=False),
    PlainSerializer(_plain, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^-?\d+(\.\d+)?$",
            "description": 'An exact amount in yuan (CNY) as a decimal string, e.g. "99.90".',
        }
    ),
]
"""An exact amount of money: Decimal in Python, a decimal string on the wire."""

NonNegativeMoney = Annotated[
    Decimal,
    BeforeValidator(_exact(_AMOUNT)),
    Field(ge=0, allow_inf_nan=False),
    PlainSerializer(_plain, return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d+(\.\d+)?$",
            "description": "An exact, non-negative amount in yuan (CNY) as a decimal string.",
        }
    ),
]
"""Money that cannot be negative (prices, offers, payments in commands and intake)."""

PERSONAL_DATA: Final[dict[str, JsonValue]] = {"x-personal-data": True}
"""Schema marker for fields that hold personal data (个人信息保护法)."""


def personal(**kwargs: Any) -> Any:
    """A ``Field`` marked as personal data in the JSON Schema."""
    return Field(json_schema_extra=PERSONAL_DATA, **kwargs)


# ------------------------------------------------------------- base models


class PayloadModel(BaseModel):
    """Base of every published event payload: frozen, tolerant of fields added later."""

    model_config = ConfigDict(frozen=True, extra="ignore", regex_engine="python-re")

    event_type: ClassVar[str]
    schema_version: ClassVar[int]


class WireModel(BaseModel):
    """A frozen nested record; unknown keys are ignored, like the payloads holding it."""

    model_config = ConfigDict(frozen=True, extra="ignore", regex_engine="python-re")


class DeadlineV1(WireModel):
    """A deadline as started by an event; its due time is fixed when it starts."""

    deadline_id: str = Field(description="'<kind>@<case version of the starting event>'")
    kind: DeadlineKind
    started_at: Timestamp
    due_at: Timestamp
    remind_at: Timestamp | None
    state: DeadlineState


class ResumedDeadlineV1(WireModel):
    """New due and reminder times of a clock that was paused while a spot check ran."""

    due_at: Timestamp
    remind_at: Timestamp | None


class EvidenceRefV1(WireModel):
    """A pointer to a consumer's photo, video, test report, receipt or chat log."""

    kind: EvidenceKind
    uri: str = Field(min_length=1)


class MerchantEvidenceRefV1(WireModel):
    """A pointer to a merchant's certificate, voucher, explanation or after-sales policy."""

    kind: MerchantEvidenceKind
    uri: Uri


class ContactV1(WireModel):
    """How to reach the consumer: personal data, never shown to a merchant unmasked."""

    name: str = personal()
    phone: str | None = personal()
    email: str | None = personal()
    address: str | None = personal()


SEALED_CONTACT_FORM: Final = "v1"
"""Marker of a contact sealed under its consumer's key (AES-256-GCM; see
:mod:`complaint_events.application.personal_data`)."""


class SealedContactV1(WireModel):
    """The consumer's contact, encrypted under a per-consumer key (crypto-shredding).

    Only the platform can open it, and only until the consumer's key is erased
    (个人信息保护法 Art. 47): from then on it is unreadable wherever a copy lives.
    """

    sealed: Literal["v1"] = Field(description="Form of the sealing: AES-256-GCM, v1")
    key_id: str = Field(min_length=1, description="Whose key sealed it: the consumer id")
    nonce: str = Field(min_length=1, description="96-bit nonce, base64")
    ciphertext: str = Field(
        min_length=1,
        description="AES-GCM ciphertext and tag (base64) of the contact's JSON "
        "{name, phone, email, address}; associated data: the key id",
        json_schema_extra=PERSONAL_DATA,
    )


class SealedTextV1(WireModel):
    """A text the consumer wrote, encrypted under their key like the contact.

    A description holds whatever a person says (names, phone numbers, a hotline
    transcript); sealed, it becomes unreadable everywhere once the consumer's
    key is erased (docs/privacy.md).
    """

    sealed: Literal["v1"] = Field(description="Form of the sealing: AES-256-GCM, v1")
    key_id: str = Field(min_length=1, description="Whose key sealed it: the consumer id")
    nonce: str = Field(min_length=1, description="96-bit nonce, base64")
    ciphertext: str = Field(
        min_length=1,
        description="AES-GCM ciphertext and tag (base64) of the UTF-8 text; associated "
        "data: the key id",
        json_schema_extra=PERSONAL_DATA,
    )


SEALED_TEXTS: Final[Mapping[str, str]] = MappingProxyType(
    {
        "ComplaintFiled": "description",
        "InformationSupplied": "details",
        "CallbackScheduled": "note",
        "RemedyRejected": "rejection",
        "SatisfactionRecorded": "comment",
        "AppealFiled": "grounds",
        "CaseReopened": "new_facts",
    }
)
"""Event type -> the payload field that holds a text sealed under the consumer's key
(in clear in the versions before: those events are published as they were hashed)."""


def is_sealed(value: object) -> bool:
    """Whether a stored value is a sealed record (or the plain text of older events)."""
    return isinstance(value, Mapping) and "sealed" in value


def is_sealed_contact(value: object) -> bool:
    """Whether a stored contact record is sealed (or the plaintext of older events)."""
    return is_sealed(value)


# ------------------------------------------------------------------ intake


class ComplaintFiledV1(PayloadModel):
    """A case opened (docs/lifecycle.md, Intake); the acknowledgement clock starts."""

    event_type: ClassVar[str] = "ComplaintFiled"
    schema_version: ClassVar[int] = 1

    channel: Channel
    channel_ref: str
    received_at: Timestamp
    consumer_id: str
    contact: ContactV1 = personal()
    order_id: str
    merchant_id: str
    sku: str
    product_name: str
    product_spec: str
    product_type: str | None
    purchase_date: CalendarDate | None
    delivered_on: CalendarDate | None
    price: Money
    quantity: WholeNumber = Field(ge=1)
    description: str
    evidence: list[EvidenceRefV1]
    demand: Demand
    category: ProblemCategory
    safety_flags: list[SafetyFlag]
    language: str
    problem_key: str = Field(description="Same consumer + order + SKU + category: spots duplicates")
    acknowledgement_deadline: DeadlineV1


class ComplaintFiledV2(PayloadModel):
    """A case opened; the consumer's contact travels sealed under their key.

    Breaking for readers of V1 (``contact`` changed type): events stored before
    contacts were sealed are still published as V1, exactly as they were hashed.
    """

    event_type: ClassVar[str] = "ComplaintFiled"
    schema_version: ClassVar[int] = 2

    channel: Channel
    channel_ref: str
    received_at: Timestamp
    consumer_id: str
    contact: SealedContactV1 = personal()
    order_id: str
    merchant_id: str
    sku: str
    product_name: str
    product_spec: str
    product_type: str | None
    purchase_date: CalendarDate | None
    delivered_on: CalendarDate | None
    price: Money
    quantity: WholeNumber = Field(ge=1)
    description: str
    evidence: list[EvidenceRefV1]
    demand: Demand
    category: ProblemCategory
    safety_flags: list[SafetyFlag]
    language: str
    problem_key: str = Field(description="Same consumer + order + SKU + category: spots duplicates")
    acknowledgement_deadline: DeadlineV1


class UpcastFromV1(WireModel):
    """The form an upcast event was stored (and hashed) in (docs/contracts.md, "Upcasting")."""

    schema_version: WholeNumber = Field(ge=1, description="The version it was stored in")
    hash: str | None = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="The hash the case's chain holds for the stored form: the next event's "
        "previous_hash (absent on an unchained event)",
    )


class ComplaintFiledV3(PayloadModel):
    """A case opened; the contact and the description travel sealed under the consumer's key.

    Breaking for readers of V2 (``description`` changed type). What readers need
    from the description is carried as a fact: ``distress``, judged on the clear
    text at filing. A ``ComplaintFiled`` stored as V1 or V2 is upcast to this
    version when it is read (``upcast_from`` then says from which).
    """

    event_type: ClassVar[str] = "ComplaintFiled"
    schema_version: ClassVar[int] = 3

    channel: Channel
    channel_ref: str
    received_at: Timestamp
    consumer_id: str
    contact: SealedContactV1 = personal()
    order_id: str
    merchant_id: str
    sku: str
    product_name: str
    product_spec: str
    product_type: str | None
    purchase_date: CalendarDate | None
    delivered_on: CalendarDate | None
    price: Money
    quantity: WholeNumber = Field(ge=1)
    description: SealedTextV1 = personal()
    distress: Flag = Field(
        description="The description reads as distressed (the acknowledgement soothes); "
        "judged on the clear text when it was filed"
    )
    evidence: list[EvidenceRefV1]
    demand: Demand
    category: ProblemCategory
    safety_flags: list[SafetyFlag]
    language: str
    problem_key: str = Field(description="Same consumer + order + SKU + category: spots duplicates")
    acknowledgement_deadline: DeadlineV1
    upcast_from: UpcastFromV1 | None = Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Present when the event was stored in an older version and upcast to "
        "this one when read: its contact and description were sealed, and its distress "
        "judged, then. The envelope's hash covers this form; the stored form's hash, the "
        "one the next event links to, is here",
    )


AnyComplaintFiled = ComplaintFiledV1 | ComplaintFiledV2 | ComplaintFiledV3
"""``ComplaintFiled`` at any schema version: what a reader of the topic must accept
(the facts are the same; the contact's and the description's forms differ)."""


def distress_of(filed: AnyComplaintFiled) -> bool:
    """Whether the complaint reads as distressed, at any version of ``ComplaintFiled``."""
    if isinstance(filed, ComplaintFiledV3):
        return filed.distress
    return shows_distress(filed.description)


class CaseTriagedV1(PayloadModel):
    """The router's triage decision."""

    event_type: ClassVar[str] = "CaseTriaged"
    schema_version: ClassVar[int] = 1

    route: Route
    queue: str
    fast_track: Flag
    burden_of_proof_on_merchant: Flag
    distress: Flag
    rule_refs: list[str]


class CaseAssignedV1(PayloadModel):
    event_type: ClassVar[str] = "CaseAssigned"
    schema_version: ClassVar[int] = 1

    handler: str


class DuplicateSubmissionRecordedV1(PayloadModel):
    """A second submission of the same complaint, recorded on the first case."""

    event_type: ClassVar[str] = "DuplicateSubmissionRecorded"
    schema_version: ClassVar[int] = 1

    channel: Channel
    channel_ref: str
    matched_on: str = Field(
        description="What matched: channel_ref (the same message), problem (same consumer id, "
        "order and problem), phone or email (same order and problem, the same person's phone "
        "number or e-mail address, compared as keyed hashes)"
    )


class AcknowledgementSentV1(PayloadModel):
    event_type: ClassVar[str] = "AcknowledgementSent"
    schema_version: ClassVar[int] = 1

    notification_id: str
    language: str
    soothing: Flag


# ------------------------------------------------------------ verification


class InformationRequestedV1(PayloadModel):
    event_type: ClassVar[str] = "InformationRequested"
    schema_version: ClassVar[int] = 1

    items: list[str]
    status: CaseStatus
    deadline: DeadlineV1


class InformationSuppliedV1(PayloadModel):
    event_type: ClassVar[str] = "InformationSupplied"
    schema_version: ClassVar[int] = 1

    details: str
    evidence: list[EvidenceRefV1]
    status: CaseStatus


class InformationSuppliedV2(PayloadModel):
    """The consumer's answer, sealed under their key (it holds what they say)."""

    event_type: ClassVar[str] = "InformationSupplied"
    schema_version: ClassVar[int] = 2

    details: SealedTextV1 = personal()
    evidence: list[EvidenceRefV1]
    status: CaseStatus


class CallbackScheduledV1(PayloadModel):
    event_type: ClassVar[str] = "CallbackScheduled"
    schema_version: ClassVar[int] = 1

    scheduled_for: Timestamp
    note: str


class CallbackScheduledV2(PayloadModel):
    """A callback, its note sealed under the consumer's key (it may hold a number)."""

    event_type: ClassVar[str] = "CallbackScheduled"
    schema_version: ClassVar[int] = 2

    scheduled_for: Timestamp
    note: SealedTextV1 = personal()


class MerchantEvidenceRequestedV1(PayloadModel):
    event_type: ClassVar[str] = "MerchantEvidenceRequested"
    schema_version: ClassVar[int] = 1

    merchant_id: str
    summary: dict[str, JsonValue] = Field(
        description="What the merchant is shown, personal data already masked (PIPL Art. 6)"
    )
    status: CaseStatus
    deadline: DeadlineV1


class MerchantEvidenceSubmittedV1(PayloadModel):
    event_type: ClassVar[str] = "MerchantEvidenceSubmitted"
    schema_version: ClassVar[int] = 1

    evidence: list[MerchantEvidenceRefV1]
    explanation: str
    status: CaseStatus


class SpotCheckOrderedV1(PayloadModel):
    event_type: ClassVar[str] = "SpotCheckOrdered"
    schema_version: ClassVar[int] = 1

    method: SpotCheckMethod
    scope: str
    lab: str
    cost_rule: str
    status: CaseStatus
    deadline: DeadlineV1
    reports_lateness: bool = Field(
        True,
        exclude_if=lambda value: value is True,
        description="Whether this case escalates when the result is late: false on every "
        "linked case of a batch but the alert's first, so a late batch escalates once",
    )


class SpotCheckResultRecordedV1(PayloadModel):
    event_type: ClassVar[str] = "SpotCheckResultRecorded"
    schema_version: ClassVar[int] = 1

    outcome: SpotCheckOutcome
    report_ref: str
    findings: str
    cost_payer: Party
    status: CaseStatus
    resumed: dict[str, ResumedDeadlineV1] = Field(
        description="Paused deadlines that resume, by deadline id, with their new times"
    )
    scope: str | None = Field(
        default=None,
        description="Scope of the spot check this answers ('batch:<alert id>' for a batch "
        "alert's); absent on results recorded before scopes were published",
    )


class EvidenceAssessedV1(PayloadModel):
    event_type: ClassVar[str] = "EvidenceAssessed"
    schema_version: ClassVar[int] = 1

    authentic: Flag
    relevant: Flag
    lawful: Flag
    notes: str
    status: CaseStatus


# ------------------------------------------------------- liability, remedy


class LiabilityDeterminedV1(PayloadModel):
    event_type: ClassVar[str] = "LiabilityDetermined"
    schema_version: ClassVar[int] = 1

    party: Party
    grounds: list[LiabilityGround]
    rule_refs: list[str]
    reasoning: str
    testing_cost_payer: Party
    status: CaseStatus


class RemedyOfferedV1(PayloadModel):
    event_type: ClassVar[str] = "RemedyOffered"
    schema_version: ClassVar[int] = 1

    kind: RemedyKind
    refund_amount: Money
    compensation_amount: Money
    shipping_paid_by: Party
    rule_refs: list[str]
    explanation: str
    status: CaseStatus
    deadline: DeadlineV1


class RemedyAcceptedV1(PayloadModel):
    event_type: ClassVar[str] = "RemedyAccepted"
    schema_version: ClassVar[int] = 1

    status: CaseStatus


class RemedyRejectedV1(PayloadModel):
    event_type: ClassVar[str] = "RemedyRejected"
    schema_version: ClassVar[int] = 1

    rejection: str
    status: CaseStatus


class RemedyRejectedV2(PayloadModel):
    """The consumer's reason for rejecting an offer, sealed under their key."""

    event_type: ClassVar[str] = "RemedyRejected"
    schema_version: ClassVar[int] = 2

    rejection: SealedTextV1 = personal()
    status: CaseStatus


class ReturnReceivedV1(PayloadModel):
    event_type: ClassVar[str] = "ReturnReceived"
    schema_version: ClassVar[int] = 1

    tracking_ref: str
    deadline: DeadlineV1


class RemedyExecutedV1(PayloadModel):
    event_type: ClassVar[str] = "RemedyExecuted"
    schema_version: ClassVar[int] = 1

    amount_paid: Money
    reference: str
    status: CaseStatus


# ------------------------------------------------------- closure and after


class CaseClosedV1(PayloadModel):
    event_type: ClassVar[str] = "CaseClosed"
    schema_version: ClassVar[int] = 1

    resolution: ResolutionCode
    note: str
    status: CaseStatus
    deadline: DeadlineV1 = Field(description="The appeal window that opens on closure")


class SatisfactionRecordedV1(PayloadModel):
    event_type: ClassVar[str] = "SatisfactionRecorded"
    schema_version: ClassVar[int] = 1

    score: WholeNumber = Field(ge=1, le=5)
    comment: str


class SatisfactionRecordedV2(PayloadModel):
    """The follow-up survey's answer, the comment sealed under the consumer's key."""

    event_type: ClassVar[str] = "SatisfactionRecorded"
    schema_version: ClassVar[int] = 2

    score: WholeNumber = Field(ge=1, le=5)
    comment: SealedTextV1 = personal()


class AppealFiledV1(PayloadModel):
    event_type: ClassVar[str] = "AppealFiled"
    schema_version: ClassVar[int] = 1

    grounds: str
    status: CaseStatus


class AppealFiledV2(PayloadModel):
    """An appeal, its grounds sealed under the consumer's key."""

    event_type: ClassVar[str] = "AppealFiled"
    schema_version: ClassVar[int] = 2

    grounds: SealedTextV1 = personal()
    status: CaseStatus


class AppealDecidedV1(PayloadModel):
    event_type: ClassVar[str] = "AppealDecided"
    schema_version: ClassVar[int] = 1

    outcome: AppealOutcome
    decision: str
    status: CaseStatus


class CaseReopenedV1(PayloadModel):
    event_type: ClassVar[str] = "CaseReopened"
    schema_version: ClassVar[int] = 1

    new_facts: str
    status: CaseStatus


class CaseReopenedV2(PayloadModel):
    """A case reopened, the new facts sealed under the consumer's key."""

    event_type: ClassVar[str] = "CaseReopened"
    schema_version: ClassVar[int] = 2

    new_facts: SealedTextV1 = personal()
    status: CaseStatus


class CaseEscalatedV1(PayloadModel):
    event_type: ClassVar[str] = "CaseEscalated"
    schema_version: ClassVar[int] = 1

    escalation: str = Field(description="Why the case was escalated")
    level: WholeNumber


class CaseReferredToAuthorityV1(PayloadModel):
    """The case was handed to an authority outside the platform (docs/api.md, referral)."""

    event_type: ClassVar[str] = "CaseReferredToAuthority"
    schema_version: ClassVar[int] = 1

    authority: Authority
    reference: str = Field(description="The authority's own reference for the case")
    referred_on: CalendarDate = Field(description="The day the case was referred")


class MerchantPenaltyRecordedV1(PayloadModel):
    event_type: ClassVar[str] = "MerchantPenaltyRecorded"
    schema_version: ClassVar[int] = 1

    merchant_id: str
    penalty: str = Field(description="Why the merchant is penalised")
    rule_refs: list[str]


# ------------------------------------------------------------ batch quality


class BatchAlertLinkedV1(PayloadModel):
    """The case was linked to a batch-quality alert on its SKU (docs/lifecycle.md)."""

    event_type: ClassVar[str] = "BatchAlertLinked"
    schema_version: ClassVar[int] = 1

    alert_id: str
    sku: str


# ---------------------------------------------------------------- deadlines


class DeadlineReminderSentV1(PayloadModel):
    event_type: ClassVar[str] = "DeadlineReminderSent"
    schema_version: ClassVar[int] = 1

    deadline_id: str
    kind: DeadlineKind


class DeadlineExpiredV1(PayloadModel):
    event_type: ClassVar[str] = "DeadlineExpired"
    schema_version: ClassVar[int] = 1

    deadline_id: str
    kind: DeadlineKind
    due_at: Timestamp


# ------------------------------------------------- SKU quality (not a case)
# Events of the SKU-level ``SkuQuality`` aggregate: an envelope's ``case_id`` and
# ``sequence`` are then that aggregate's id and version.


class BatchSpotCheckV1(WireModel):
    """The one spot check a batch alert orders for the SKU."""

    method: SpotCheckMethod
    scope: str = Field(description="'batch:<alert id>': the scope of the linked cases' checks")
    due_at: Timestamp | None = Field(
        None,
        exclude_if=lambda value: value is None,
        description="When the batch's result is due: the one clock every linked case waits "
        "on (absent on alerts raised before the SKU kept it)",
    )


class SkuQualityRecordOpenedV1(PayloadModel):
    """A SKU's batch-quality record opened, together with its first alert."""

    event_type: ClassVar[str] = "SkuQualityRecordOpened"
    schema_version: ClassVar[int] = 1

    sku: str


class BatchQualityAlertRaisedV1(PayloadModel):
    """Enough complaints on one SKU within the window: one spot check for the batch."""

    event_type: ClassVar[str] = "BatchQualityAlertRaised"
    schema_version: ClassVar[int] = 1

    alert_id: str = Field(description="uuid5 of the SKU and the alert's first case: stable")
    sku: str
    case_ids: list[CanonicalUuid] = Field(
        description="The complaints that made the batch, filing order"
    )
    threshold: WholeNumber = Field(ge=1)
    window_days: Number = Field(gt=0)
    raised_at: Timestamp = Field(description="Filing time of the complaint that tipped it")
    spot_check: BatchSpotCheckV1


class BatchCaseLinkedV1(PayloadModel):
    """A further complaint on the SKU while its alert was open."""

    event_type: ClassVar[str] = "BatchCaseLinked"
    schema_version: ClassVar[int] = 1

    alert_id: str
    case_id: CanonicalUuid


class BatchSpotCheckResultRecordedV1(PayloadModel):
    """The batch's spot-check result, as the first linked case reported it."""

    event_type: ClassVar[str] = "BatchSpotCheckResultRecorded"
    schema_version: ClassVar[int] = 1

    alert_id: str
    outcome: SpotCheckOutcome
    report_ref: str
    case_id: CanonicalUuid = Field(
        description="The linked case whose spot check produced the result"
    )


# ----------------------------------------------------------------- registry

ALL_EVENT_MODELS: Final[tuple[type[PayloadModel], ...]] = (
    ComplaintFiledV1,
    ComplaintFiledV2,
    ComplaintFiledV3,
    CaseTriagedV1,
    CaseAssignedV1,
    DuplicateSubmissionRecordedV1,
    AcknowledgementSentV1,
    InformationRequestedV1,
    InformationSuppliedV1,
    InformationSuppliedV2,
    CallbackScheduledV1,
    CallbackScheduledV2,
    MerchantEvidenceRequestedV1,
    MerchantEvidenceSubmittedV1,
    SpotCheckOrderedV1,
    SpotCheckResultRecordedV1,
    EvidenceAssessedV1,
    LiabilityDeterminedV1,
    RemedyOfferedV1,
    RemedyAcceptedV1,
    RemedyRejectedV1,
    RemedyRejectedV2,
    ReturnReceivedV1,
    RemedyExecutedV1,
    CaseClosedV1,
    SatisfactionRecordedV1,
    SatisfactionRecordedV2,
    AppealFiledV1,
    AppealFiledV2,
    AppealDecidedV1,
    CaseReopenedV1,
    CaseReopenedV2,
    CaseEscalatedV1,
    CaseReferredToAuthorityV1,
    MerchantPenaltyRecordedV1,
    DeadlineReminderSentV1,
    DeadlineExpiredV1,
    BatchAlertLinkedV1,
    SkuQualityRecordOpenedV1,
    BatchQualityAlertRaisedV1,
    BatchCaseLinkedV1,
    BatchSpotCheckResultRecordedV1,
)
"""Every published payload model, every version (old versions stay for old messages)."""

EVENT_PAYLOAD_VERSIONS: Final[Mapping[tuple[str, int], type[PayloadModel]]] = MappingProxyType(
    {(m.event_type, m.schema_version): m for m in ALL_EVENT_MODELS}
)
"""(event type, schema version) -> payload model, for decoding any published message."""


def _current() -> dict[str, tuple[int, type[BaseModel]]]:
    current: dict[str, tuple[int, type[BaseModel]]] = {}
    for (event_type, version), model in EVENT_PAYLOAD_VERSIONS.items():
        if event_type not in current or version > current[event_type][0]:
            current[event_type] = (version, model)
    return current


EVENT_PAYLOADS: Final[Mapping[str, tuple[int, type[BaseModel]]]] = MappingProxyType(_current())
"""Event type -> (schema version, model) that the translator publishes now."""


def payload_model(event_type: str, version: int) -> type[PayloadModel]:
    """The payload model of ``event_type`` at schema ``version``; ContractError if none."""
    try:
        return EVENT_PAYLOAD_VERSIONS[(event_type, version)]
    except KeyError:
        known = sorted(v for t, v in EVENT_PAYLOAD_VERSIONS if t == event_type)
        if not known:
            raise ContractError(
                f"no wire contract for event type {event_type!r}; add a payload model "
                "to complaint_events.contracts.events and regenerate the schemas"
            ) from None
        raise ContractError(
            f"event type {event_type!r} has no schema version {version} "
            f"(known versions: {', '.join(map(str, known))})"
        ) from None
