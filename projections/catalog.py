"""Every read model the projector feeds, in one place."""

from __future__ import annotations

from typing import Final

from complaint_events.projections.base import Projection
from complaint_events.projections.case_summary import CaseSummary
from complaint_events.projections.merchant_scorecard import MerchantScorecard
from complaint_events.projections.sku_quality import SkuQualityProjection
from complaint_events.projections.sla import SlaCompliance
from complaint_events.projections.timeline import CaseTimeline

ALL_PROJECTIONS: Final[tuple[Projection, ...]] = (
    CaseSummary(),
    CaseTimeline(),
    SlaCompliance(),
    MerchantScorecard(),
    SkuQualityProjection(),
)
