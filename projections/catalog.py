"""Every read model the projector feeds, in one place."""

from __future__ import annotations

from typing import Final

from projections.base import Projection
from projections.case_summary import CaseSummary
from projections.merchant_scorecard import MerchantScorecard
from projections.sku_quality import SkuQualityProjection
from projections.sla import SlaCompliance
from projections.timeline import CaseTimeline

ALL_PROJECTIONS: Final[tuple[Projection, ...]] = (
    CaseSummary(),
    CaseTimeline(),
    SlaCompliance(),
    MerchantScorecard(),
    SkuQualityProjection(),
)
