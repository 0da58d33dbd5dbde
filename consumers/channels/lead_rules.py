"""Which public posts and reviews read as complaints: keyword rules, Chinese and English.

A match makes a *lead*, not a case: a handler reads the post, finds the order
and confirms it (``complaint-events adapters leads confirm``).  The rules
therefore lean towards recall, but leave out the obvious non-complaints: a
cue that is negated ("没坏", "not broken", "质量问题都没有"), a happy post or
review (praise words, or 4-5 stars) with only weak cues, and adverts.  Safety
cues always make a lead (docs/rules.md, Triage: safety first), whatever the rating.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from complaint_events.domain.values import ProblemCategory, SafetyFlag
from complaint_events.consumers.channels.facts import infer_category, infer_safety_flags

_CUES: Final = re.compile(
    r"投诉|质量问题|质量太差|质量差|坏了|漏水|漏电|假货|假的|退款|退货|差评|避雷|踩雷|垃圾"
    r"|骗子|被骗|不能用|用不了|发霉|变质|拉肚子|售后不|不给退|不给换|客服不理|维权|翻车|有毒"
    r"|\b(?:complain\w*|broken|broke|defective|faulty|fake|counterfeit|refund\w*|scam\w*"
    r"|rip-?off|stopped working|leak\w*|worst|never buying|do not buy|don't buy|waste of money"
    r"|moldy|mouldy|spoiled|ignored)\b",
    re.IGNORECASE,
)
_STRONG: Final = re.compile(
    r"起火|着火|冒烟|爆炸|自燃|触电|受伤|烫伤|中毒|住院|窒息"
    r"|\b(?:caught fire|on fire|smok(?:e|ing)|explod\w*|electric shock|injur\w*|burn(?:ed|t)"
    r"|food poisoning|hospital\w*|chok\w*)\b",
    re.IGNORECASE,
)
_NEGATED: Final = re.compile(
    r"(?:没有?|不是|并不|并没有?|无)$|\b(?:not|no|isn't|wasn't|never)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)
# "质量问题都没有", "problems? none": the cue is denied right after it.
_DENIED_AFTER: Final = re.compile(
    r"^(?:都|也|一点都|完全)?没有?(?:$|[\s，。！!,.])|^\s*(?:at all\b)?\s*none\b"
)
_HAPPY: Final = re.compile(
    r"好评|推荐|好用|满意|\b(?:love it|recommend\w*|great|excellent)\b", re.I
)
_ADVERT: Final = re.compile(r"广告|推广|抽奖|转发有礼|#ad\b|\bsponsored\b|\bgiveaway\b", re.I)
_HAPPY_RATING: Final = 4
_LOW_RATING: Final = 2


@dataclass(frozen=True, slots=True)
class LeadSignal:
    """Why a post reads as a complaint, and what kind of complaint it suggests."""

    cues: tuple[str, ...]
    category: ProblemCategory
    safety_flags: tuple[SafetyFlag, ...]
    urgent: bool


def _live_cues(pattern: re.Pattern[str], text: str) -> list[str]:
    return [
        m[0]
        for m in pattern.finditer(text)
        if not _NEGATED.search(text[: m.start()][-12:])
        and not _DENIED_AFTER.search(text[m.end() : m.end() + 8])
    ]


def classify_post(text: str, rating: int | None = None) -> LeadSignal | None:
    """A lead signal when the post (or review with its star ``rating``) reads as a complaint."""
    strong = _live_cues(_STRONG, text)
    weak = _live_cues(_CUES, text)
    if rating is not None and rating <= _LOW_RATING:
        weak.append(f"rating {rating}")
    if not strong:
        if not weak or _ADVERT.search(text):
            return None
        if _HAPPY.search(text) and not (rating is not None and rating <= _LOW_RATING):
            return None
        if rating is not None and rating >= _HAPPY_RATING:
            return None
    cues = tuple(dict.fromkeys(c.lower() for c in (*strong, *weak)))
    return LeadSignal(
        cues=cues,
        category=infer_category(text),
        safety_flags=tuple(infer_safety_flags(text)),
        urgent=bool(strong),
    )
