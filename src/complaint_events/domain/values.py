"""The vocabulary of the complaint process (docs/lifecycle.md).

Every enum is a ``StrEnum`` so that its members travel through JSON (the event
store, Kafka messages) as their plain string values and compare equal to them.
"""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    """Where a complaint came in."""

    WEB = "web"
    APP = "app"
    CHAT = "chat"
    HOTLINE = "hotline"
    EMAIL = "email"
    SOCIAL = "social"
    REVIEW = "review"


class Demand(StrEnum):
    """What the consumer asks for."""

    REFUND = "refund"
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPENSATION = "compensation"


class ProblemCategory(StrEnum):
    """What the consumer says is wrong with the product."""

    QUALITY_DEFECT = "quality_defect"
    NOT_AS_DESCRIBED = "not_as_described"
    COUNTERFEIT = "counterfeit"
    FOOD_SAFETY = "food_safety"
    DAMAGED_IN_TRANSIT = "damaged_in_transit"
    AFTER_SALES_BROKEN_PROMISE = "after_sales_broken_promise"
    NO_REASON_RETURN = "no_reason_return"
    OTHER = "other"


class SafetyFlag(StrEnum):
    """Signals that a complaint touches health or safety."""

    INJURY = "injury"
    FIRE_OR_EXPLOSION = "fire_or_explosion"
    ELECTRIC_SHOCK = "electric_shock"
    FOOD_ILLNESS = "food_illness"
    CHILD_SAFETY = "child_safety"


class Route(StrEnum):
    """The triage route a case follows."""

    NO_REASON_RETURN = "no_reason_return"
    QUALITY = "quality"
    COUNTERFEIT = "counterfeit"
    FOOD = "food"
    INJURY_FAST_TRACK = "injury_fast_track"
    DURABLE_GOODS = "durable_goods"


class EvidenceKind(StrEnum):
    """Kinds of evidence a consumer attaches."""

    PHOTO = "photo"
    VIDEO = "video"
    TEST_REPORT = "test_report"
    RECEIPT = "receipt"
    CHAT_LOG = "chat_log"
    OTHER = "other"


class MerchantEvidenceKind(StrEnum):
    """Kinds of evidence a merchant submits."""

    QUALITY_CERTIFICATE = "quality_certificate"
    PRODUCTION_VOUCHER = "production_voucher"
    PURCHASE_VOUCHER = "purchase_voucher"
    EXPLANATION = "explanation"
    AFTER_SALES_POLICY = "after_sales_policy"
    OTHER = "other"


class SpotCheckMethod(StrEnum):
    """How a product is tested."""

    SAME_MODEL_SAMPLING = "same_model_sampling"
    THIRD_PARTY_APPRAISAL = "third_party_appraisal"


class SpotCheckOutcome(StrEnum):
    """What a spot check found."""

    DEFECT_CONFIRMED = "defect_confirmed"
    NO_DEFECT = "no_defect"
    INCONCLUSIVE = "inconclusive"


class Party(StrEnum):
    """Who bears liability (or pays for testing)."""

    MERCHANT = "merchant"
    CONSUMER = "consumer"
    SHARED = "shared"
    UNCLEAR = "unclear"
    PLATFORM = "platform"


class LiabilityGround(StrEnum):
    """Why a party is found liable (docs/lifecycle.md, Liability)."""

    # merchant
    DEFECT = "defect"
    NOT_AS_DESCRIBED = "not_as_described"
    COUNTERFEIT = "counterfeit"
    BROKEN_AFTER_SALES_PROMISE = "broken_after_sales_promise"
    SILENT_MERCHANT = "silent_merchant"
    # consumer
    MISUSE = "misuse"
    SELF_REPAIR = "self_repair"
    EXPIRED = "expired"
    FORCE_MAJEURE = "force_majeure"
    # neither
    PLATFORM_DISCRETION = "platform_discretion"


class RemedyKind(StrEnum):
    """Remedies a case can offer (docs/lifecycle.md, Remedy)."""

    FULL_REFUND = "full_refund"
    RETURN_AND_REFUND = "return_and_refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COUPON = "coupon"
    COMPENSATION = "compensation"
    STATUTORY_COMPENSATION = "statutory_compensation"
    NONE = "none"


class Authority(StrEnum):
    """Who a case can be referred to outside the platform (docs/api.md, referral)."""

    MARKET_REGULATOR = "market_regulator"  # 市场监督管理部门, the 12315 line
    CONSUMER_ASSOCIATION = "consumer_association"  # 消费者协会
    PUBLIC_SECURITY = "public_security"  # 公安机关: counterfeits and fraud at criminal scale


class ResolutionCode(StrEnum):
    """Why a case was closed."""

    REMEDY_EXECUTED = "remedy_executed"
    REMEDY_REJECTED = "remedy_rejected"
    NO_MERCHANT_LIABILITY = "no_merchant_liability"
    INSUFFICIENT_INFORMATION = "insufficient_information"
    WITHDRAWN = "withdrawn"
    REFERRED_TO_AUTHORITY = "referred_to_authority"
    APPEAL_DECIDED = "appeal_decided"


class DeadlineKind(StrEnum):
    """The clocks of a case (docs/deadlines.md)."""

    ACKNOWLEDGEMENT = "acknowledgement"
    INFORMATION = "information"
    MERCHANT_EVIDENCE = "merchant_evidence"
    SPOT_CHECK = "spot_check"
    REMEDY_ANSWER = "remedy_answer"
    REFUND = "refund"
    APPEAL_WINDOW = "appeal_window"


class AppealOutcome(StrEnum):
    """How an appeal was decided."""

    UPHELD = "upheld"
    DISMISSED = "dismissed"


class ActorRole(StrEnum):
    """Who acted on a case."""

    CONSUMER = "consumer"
    MERCHANT = "merchant"
    HANDLER = "handler"
    SYSTEM = "system"
    ADAPTER = "adapter"
    AUDITOR = "auditor"
