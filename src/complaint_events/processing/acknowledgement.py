"""The acknowledgement a consumer receives once a complaint is filed (docs/lifecycle.md).

It confirms receipt with a short case reference, says what happens next and how
long each step may take (durations from the configured :class:`DeadlinePolicy`,
so the text never promises what the clocks do not enforce), and thanks the
consumer; when the complaint reads as distressed it opens with empathy and
promises a handler's personal follow-up.

How it is written depends on where it goes: a formal letter by email, a few
sentences in chat, the app, the web form or an SMS after a hotline call, and a
public-safe reply on social media or under a review, which invites the consumer
to private messages and says nothing about the order or the product.

Pure functions: no I/O, the clock's time is passed in.  No personal data is
read: the channel reference is how the adapter finds the recipient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Final
from uuid import UUID, uuid5

from complaint_events.contracts.commands import AcknowledgeV1, CommandEnvelopeV1
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.events import AnyComplaintFiled, distress_of
from complaint_events.contracts.notifications import Language, NotificationKind, NotificationV1
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import Channel, DeadlineKind, Demand, ProblemCategory
from complaint_events.processing.issuing import issue

ACKNOWLEDGEMENT_ID_NAME: Final = "notification:acknowledgement"


def acknowledgement_id(case_id: UUID) -> UUID:
    """The acknowledgement's id: the same on every replay, so it is sent (and recorded) once."""
    return uuid5(case_id, ACKNOWLEDGEMENT_ID_NAME)


class _Style(Enum):
    FORMAL = "formal"  # a letter: greeting, paragraphs, sign-off
    SHORT = "short"  # a few sentences for a chat window, an app inbox or an SMS
    PUBLIC = "public"  # readable by anyone: nothing about the order, product or merchant


_STYLE_OF_CHANNEL: Final[Mapping[Channel, _Style]] = {
    Channel.EMAIL: _Style.FORMAL,
    Channel.CHAT: _Style.SHORT,
    Channel.APP: _Style.SHORT,
    Channel.WEB: _Style.SHORT,
    Channel.HOTLINE: _Style.SHORT,  # followed up by SMS
    Channel.SOCIAL: _Style.PUBLIC,
    Channel.REVIEW: _Style.PUBLIC,  # a reply under a public review
}


@dataclass(frozen=True, slots=True)
class _Wording:
    """Every sentence of the acknowledgement in one language; placeholders in braces."""

    sentence_gap: str
    hour: str
    hours: str
    day: str
    days: str
    subject_formal: str  # {ref}
    subject_short: str  # {ref}
    subject_public: str
    greeting: str
    sign_off: str
    empathy: str
    handler_follows_up: str
    received_formal: str  # {product} {order_id} {ref}
    received_short: str  # {ref}
    merchant_formal: str  # {merchant}
    merchant_short: str  # {merchant}
    priority_formal: str  # {spot_check}
    priority_short: str
    information: str  # {information}
    demand: str  # {demand}
    demands: Mapping[Demand, str]
    thanks_formal: str
    thanks_short: str
    public: str
    public_handler: str


_WORDING: Final[Mapping[Language, _Wording]] = {
    "zh": _Wording(
        sentence_gap="",
        hour="{n}小时",
        hours="{n}小时",
        day="{n}天",
        days="{n}天",
        subject_formal="您的投诉已受理（案件编号 {ref}）",
        subject_short="投诉已受理：{ref}",
        subject_public="我们已收到您的反馈",
        greeting="尊敬的用户：\n您好！",
        sign_off="此致\n平台消费者投诉处理中心",
        empathy="我们非常理解您的心情，对您遇到的情况深表歉意。",
        handler_follows_up="我们会安排专人负责您的投诉，处理人员会亲自与您联系并全程跟进。",
        received_formal=(
            "我们已收到您关于“{product}”（订单号 {order_id}）的投诉，案件编号为 {ref}。"
        ),
        received_short="您的投诉已受理，案件编号 {ref}。",
        merchant_formal=(
            "接下来，我们会请商家在{merchant}内提供相关证明材料"
            "（如质量合格证明、进货或生产凭证及情况说明），并由平台公正审核。"
        ),
        merchant_short="我们将请商家在{merchant}内提供证据。",
        priority_formal=(
            "由于您的投诉涉及人身或食品安全，我们会优先处理，必要时将安排产品检测，"
            "检测结果一般在{spot_check}内出具。"
        ),
        priority_short="因涉及安全问题，我们将优先处理，必要时安排产品检测。",
        information="如需您补充信息，我们会与您联系，届时请在{information}内回复。",
        demand="您提出的诉求是{demand}，我们在确定处理方案时会充分考虑。",
        demands={
            Demand.REFUND: "退款",
            Demand.RETURN: "退货",
            Demand.EXCHANGE: "换货",
            Demand.REPAIR: "维修",
            Demand.COMPENSATION: "赔偿",
        },
        thanks_formal="感谢您的耐心与信任，您的反馈帮助我们让平台更加安全、公平。",
        thanks_short="感谢您的反馈！",
        public=(
            "感谢您的反馈，我们已收到并正在跟进。为保护您的隐私，请通过私信联系我们，"
            "我们会在私信中说明后续处理步骤和时间。"
        ),
        public_handler="处理人员会通过私信亲自跟进。",
    ),
    "en": _Wording(
        sentence_gap=" ",
        hour="{n} hour",
        hours="{n} hours",
        day="{n} day",
        days="{n} days",
        subject_formal="We have received your complaint (case {ref})",
        subject_short="Complaint received: {ref}",
        subject_public="We have received your message",
        greeting="Dear customer,",
        sign_off="Kind regards,\nThe Consumer Complaints Team",
        empathy="We are sorry this happened and understand how upsetting it is.",
        handler_follows_up=(
            "A complaint handler will personally follow up with you and keep you informed."
        ),
        received_formal=(
            "We have received your complaint about “{product}” (order {order_id}). "
            "Your case reference is {ref}."
        ),
        received_short="We have received your complaint (case {ref}).",
        merchant_formal=(
            "Next, we will ask the merchant to provide evidence (such as quality "
            "certificates, purchase or production vouchers and an explanation) within "
            "{merchant}, and we will review it impartially."
        ),
        merchant_short="We will ask the merchant for evidence within {merchant}.",
        priority_formal=(
            "Because your complaint concerns health or safety, we are treating it as a "
            "priority and may order the product to be tested; test results usually arrive "
            "within {spot_check}."
        ),
        priority_short=(
            "As it concerns safety, we are prioritising it and may have the product tested."
        ),
        information=(
            "If we need more information from you, we will ask; you would then have "
            "{information} to reply."
        ),
        demand=(
            "You asked for {demand}; we will take this into account when we decide on a remedy."
        ),
        demands={
            Demand.REFUND: "a refund",
            Demand.RETURN: "a return",
            Demand.EXCHANGE: "an exchange",
            Demand.REPAIR: "a repair",
            Demand.COMPENSATION: "compensation",
        },
        thanks_formal=(
            "Thank you for your patience and for telling us: your complaint helps us keep "
            "the platform safe and fair."
        ),
        thanks_short="Thank you for letting us know.",
        public=(
            "Thank you for letting us know. We have received your complaint and are looking "
            "into it. To protect your privacy, please send us a private message; we will "
            "explain the next steps and timeline there."
        ),
        public_handler="A complaint handler will personally follow up by private message.",
    ),
}


def render_acknowledgement(
    *, case_id: UUID, filed: AnyComplaintFiled, policy: DeadlinePolicy, now: datetime
) -> NotificationV1:
    """The acknowledgement of the complaint ``filed`` opened as case ``case_id``."""
    language = notification_language(filed.language)
    wording = _WORDING[language]
    soothing = distress_of(filed)
    # An unknown (newer) channel gets the public style: it reveals the least.
    style = _STYLE_OF_CHANNEL.get(filed.channel, _Style.PUBLIC)
    facts = {
        "ref": case_reference(case_id),
        "product": filed.product_name,
        "order_id": filed.order_id,
        "merchant": _duration(policy, DeadlineKind.MERCHANT_EVIDENCE, wording),
        "information": _duration(policy, DeadlineKind.INFORMATION, wording),
        "spot_check": _duration(policy, DeadlineKind.SPOT_CHECK, wording),
        "demand": wording.demands[filed.demand],
    }
    subject, body = _RENDERERS[style](wording, soothing, _is_safety_case(filed))
    return NotificationV1(
        notification_id=acknowledgement_id(case_id),
        case_id=case_id,
        kind=NotificationKind.ACKNOWLEDGEMENT,
        channel=filed.channel,
        channel_ref=filed.channel_ref,
        language=language,
        soothing=soothing,
        subject=subject.format_map(facts),
        body=body.format_map(facts),
        created_at=now,
    )


def acknowledge_command_payload(notification: NotificationV1) -> dict[str, object]:
    """The payload of the ``acknowledge`` command that records ``notification`` as sent."""
    return AcknowledgeV1(
        notification_id=str(notification.notification_id),
        language=notification.language,
        soothing=notification.soothing,
    ).model_dump(mode="json")


def notification_language(filed_language: str) -> Language:
    """Chinese for any ``zh`` variant (zh-CN, zh-Hant…), English otherwise."""
    return "zh" if filed_language.strip().lower().startswith("zh") else "en"


def case_reference(case_id: UUID) -> str:
    """The short reference a consumer quotes: the case id's first 8 hex digits, upper-case."""
    return case_id.hex[:8].upper()


def _is_safety_case(filed: AnyComplaintFiled) -> bool:
    # Every safety flag (injury, fire, shock, food illness, child safety) puts a person
    # at risk, as does a food-safety complaint without one: prioritise, maybe test.
    return bool(filed.safety_flags) or filed.category is ProblemCategory.FOOD_SAFETY


def _duration(policy: DeadlinePolicy, kind: DeadlineKind, wording: _Wording) -> str:
    """A clock's length as people say it: hours up to 72 h (as docs/deadlines.md), then days."""
    length = policy.clocks[kind].duration
    if length > timedelta(hours=72) and length % timedelta(days=1) == timedelta(0):
        days = length.days
        return (wording.day if days == 1 else wording.days).format(n=days)
    hours = length / timedelta(hours=1)
    return (wording.hour if hours == 1 else wording.hours).format(n=f"{hours:g}")


# ------------------------------------------------------------ per style
# Each returns (subject, body) templates; facts are filled in afterwards.


def _formal(w: _Wording, soothing: bool, safety: bool) -> tuple[str, str]:
    opening = [w.empathy] if soothing else []
    next_steps = [w.merchant_formal, *([w.priority_formal] if safety else []), w.information]
    paragraphs = [
        w.greeting,
        w.sentence_gap.join([*opening, w.received_formal]),
        w.sentence_gap.join(next_steps),
        w.demand,
        *([w.handler_follows_up] if soothing else []),
        w.thanks_formal,
        w.sign_off,
    ]
    return w.subject_formal, "\n\n".join(paragraphs)


def _short(w: _Wording, soothing: bool, safety: bool) -> tuple[str, str]:
    sentences = [
        *([w.empathy] if soothing else []),
        w.received_short,
        w.merchant_short,
        *([w.priority_short] if safety else []),
        w.information,
        *([w.handler_follows_up] if soothing else []),
        w.thanks_short,
    ]
    return w.subject_short, w.sentence_gap.join(sentences)


def _public(w: _Wording, soothing: bool, safety: bool) -> tuple[str, str]:
    del safety  # a public reply does not say what the complaint is about
    sentences = [*([w.empathy] if soothing else []), w.public]
    sentences += [w.public_handler] if soothing else []
    return w.subject_public, w.sentence_gap.join(sentences)


_RENDERERS: Final = {_Style.FORMAL: _formal, _Style.SHORT: _short, _Style.PUBLIC: _public}


ACTOR = "system:acknowledgement"


def acknowledge(
    event: EventEnvelope, policy: DeadlinePolicy, now: datetime
) -> tuple[NotificationV1, CommandEnvelopeV1] | None:
    """For a ComplaintFiled event: the consumer's notification and the command recording it."""
    if event.event_type != "ComplaintFiled":
        return None
    filed = event.typed_payload()
    if not isinstance(filed, AnyComplaintFiled):
        return None
    note = render_acknowledgement(case_id=event.case_id, filed=filed, policy=policy, now=now)
    command = issue(
        event.case_id,
        AcknowledgeV1.model_validate(acknowledge_command_payload(note)),
        purpose="acknowledgement",
        actor=ACTOR,
        issued_at=now,
        correlation_id=event.correlation_id,
        reason=f"acknowledgement {note.notification_id} sent by {filed.channel}",
    )
    return note, command
