"""Words for the identifiers the events carry, as people on the complaint desk read them.

Neither the manager's report (:mod:`complaint_events.demo.report`) nor the
handler console (:mod:`complaint_events.console`) shows an identifier such as
``no_merchant_liability``: they look the value up here, the report as "中文
English", the console in the language of the page. One table serves every
vocabulary they print (statuses, stages, resolutions, clocks, channels,
languages, parties, remedies, appeal and spot-check outcomes, authorities, event
types); where two vocabularies share an identifier (``remedy_executed`` is a
status and a resolution) the words fit both. ``tests/unit/test_labels.py``
walks the domain's enums, literals and event types and fails when a value the
domain can produce has no words here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, NamedTuple


class Label(NamedTuple):
    """One identifier's words: Chinese, then English."""

    zh: str
    en: str

    def __str__(self) -> str:
        return f"{self.zh} {self.en}"


LABELS: Final[Mapping[str, Label]] = MappingProxyType(
    {
        # case statuses (domain/status.py CaseStatus)
        "filed": Label("已受理", "Filed"),
        "verifying": Label("核实中", "Verifying"),
        "liability_determined": Label("已定责", "Liability determined"),
        "remedy_offered": Label("已提出补救", "Remedy offered"),
        "remedy_accepted": Label("已接受补救", "Remedy accepted"),
        "remedy_rejected": Label("补救被拒绝", "Remedy rejected"),
        "remedy_executed": Label("补救已执行", "Remedy executed"),
        "closed": Label("已关闭", "Closed"),
        "under_appeal": Label("申诉中", "Under appeal"),
        # the funnel's steps (demo/funnel.py) that are not statuses
        "acknowledged": Label("已确认受理", "Acknowledged"),
        # stages a person names (projections/case_summary.py stage_of)
        "intake": Label("受理", "Intake"),
        "acknowledgement": Label("待确认", "Acknowledgement"),
        "verification": Label("核实", "Verification"),
        "liability": Label("定责", "Liability"),
        "remedy": Label("补救", "Remedy"),
        "appeal": Label("申诉", "Appeal"),
        # why a case was closed (ResolutionCode)
        "no_merchant_liability": Label("商家无责", "No merchant liability"),
        "insufficient_information": Label("信息不足", "Insufficient information"),
        "withdrawn": Label("消费者撤回", "Withdrawn"),
        "referred_to_authority": Label("移交主管部门", "Referred to an authority"),
        "appeal_decided": Label("申诉已裁决", "Appeal decided"),
        # the clocks (DeadlineKind)
        "information": Label("补充信息", "Information"),
        "merchant_evidence": Label("商家举证", "Merchant evidence"),
        "spot_check": Label("抽检", "Spot check"),
        "remedy_answer": Label("补救答复", "Answer to the remedy"),
        "refund": Label("退款", "Refund"),
        "appeal_window": Label("申诉期", "Appeal window"),
        # what the complaint is about (ProblemCategory) and what the consumer asks (Demand)
        "quality_defect": Label("质量缺陷", "Quality defect"),
        "not_as_described": Label("与描述不符", "Not as described"),
        "counterfeit": Label("假冒商品", "Counterfeit"),
        "food_safety": Label("食品安全", "Food safety"),
        "damaged_in_transit": Label("运输损坏", "Damaged in transit"),
        "after_sales_broken_promise": Label("售后承诺未兑现", "After-sales promise broken"),
        "no_reason_return": Label("七天无理由退货", "No-reason return"),
        "other": Label("其他", "Other"),
        "return": Label("退货", "Return"),
        # channels: the Channel enum
        "web": Label("网页", "Web"),
        "app": Label("手机应用", "App"),
        "chat": Label("在线客服", "Chat"),
        "hotline": Label("热线电话", "Hotline"),
        "email": Label("电子邮件", "Email"),
        "social": Label("社交媒体", "Social media"),
        "review": Label("商品评价", "Product review"),
        # languages of a complaint (contracts/intake.py IntakeMessageV1.language)
        "zh": Label("中文", "Chinese"),
        "en": Label("英文", "English"),
        # who bears liability (Party)
        "merchant": Label("商家", "Merchant"),
        "consumer": Label("消费者", "Consumer"),
        "shared": Label("共同责任", "Shared"),
        "unclear": Label("责任不明", "Unclear"),
        "platform": Label("平台", "Platform"),
        # remedies: the RemedyKind enum
        "full_refund": Label("全额退款", "Full refund"),
        "return_and_refund": Label("退货退款", "Return and refund"),
        "exchange": Label("换货", "Exchange"),
        "repair": Label("维修", "Repair"),
        "coupon": Label("优惠券", "Coupon"),
        "compensation": Label("赔偿", "Compensation"),
        "statutory_compensation": Label("法定赔偿", "Statutory compensation"),
        "none": Label("无补救", "No remedy"),
        # appeals (AppealOutcome, and the filing itself)
        "upheld": Label("申诉成立", "Upheld"),
        "dismissed": Label("申诉驳回", "Dismissed"),
        # spot checks (SpotCheckOutcome)
        "defect_confirmed": Label("确认缺陷", "Defect confirmed"),
        "no_defect": Label("未见缺陷", "No defect"),
        "inconclusive": Label("无定论", "Inconclusive"),
        # referrals: the Authority enum
        "market_regulator": Label("市场监督管理部门", "Market regulator"),
        "consumer_association": Label("消费者协会", "Consumer association"),
        "public_security": Label("公安机关", "Public security"),
        # what happened: the event types (contracts/events.py EVENT_PAYLOADS)
        "ComplaintFiled": Label("投诉已提交", "Complaint filed"),
        "DuplicateSubmissionRecorded": Label("记录重复提交", "Duplicate submission recorded"),
        "AcknowledgementSent": Label("已发送受理确认", "Acknowledgement sent"),
        "CaseTriaged": Label("已分流", "Case triaged"),
        "CaseAssigned": Label("已分派", "Case assigned"),
        "CallbackScheduled": Label("已安排回访", "Callback scheduled"),
        "InformationRequested": Label("已要求补充信息", "Information requested"),
        "InformationSupplied": Label("已补充信息", "Information supplied"),
        "MerchantEvidenceRequested": Label("已要求商家举证", "Merchant evidence requested"),
        "MerchantEvidenceSubmitted": Label("商家已举证", "Merchant evidence submitted"),
        "EvidenceAssessed": Label("证据已评估", "Evidence assessed"),
        "SpotCheckOrdered": Label("已安排抽检", "Spot check ordered"),
        "SpotCheckResultRecorded": Label("已记录抽检结果", "Spot check result recorded"),
        "LiabilityDetermined": Label("已认定责任", "Liability determined"),
        "RemedyOffered": Label("已提出补救方案", "Remedy offered"),
        "RemedyAccepted": Label("补救方案已接受", "Remedy accepted"),
        "RemedyRejected": Label("补救方案被拒绝", "Remedy rejected"),
        "ReturnReceived": Label("已收到退货", "Return received"),
        "RemedyExecuted": Label("补救已执行", "Remedy executed"),
        "SatisfactionRecorded": Label("已记录满意度", "Satisfaction recorded"),
        "CaseClosed": Label("已结案", "Case closed"),
        "CaseReopened": Label("已重新开启", "Case reopened"),
        "AppealFiled": Label("已提出申诉", "Appeal filed"),
        "AppealDecided": Label("申诉已裁决", "Appeal decided"),
        "CaseEscalated": Label("已升级", "Case escalated"),
        "CaseReferredToAuthority": Label("已移交主管部门", "Referred to an authority"),
        "DeadlineReminderSent": Label("已发送到期提醒", "Deadline reminder sent"),
        "DeadlineExpired": Label("时限已到", "Deadline expired"),
        "MerchantPenaltyRecorded": Label("已记录商家处罚", "Merchant penalty recorded"),
        "BatchAlertLinked": Label("已关联批次预警", "Batch alert linked"),
        "BatchQualityAlertRaised": Label("发出批次质量预警", "Batch quality alert raised"),
        "BatchCaseLinked": Label("已关联批次案件", "Batch case linked"),
        "BatchSpotCheckResultRecorded": Label(
            "已记录批次抽检结果", "Batch spot check result recorded"
        ),
        "SkuQualityRecordOpened": Label("已建立SKU质量档案", "SKU quality record opened"),
    }
)


def label(identifier: str) -> Label:
    """The words for ``identifier``; one without any (none the domain makes) reads as words."""
    found = LABELS.get(identifier)
    if found is not None:
        return found
    return Label("未译", identifier.replace("_", " ").strip().capitalize() or "—")
