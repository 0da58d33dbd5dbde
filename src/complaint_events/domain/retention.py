"""How long a consumer's personal data must be kept (docs/rules.md, 个人信息保护法 Art. 47).

After-sales records are kept at least 3 years after a case closes; the
consumer's personal data may be erased on request once every one of their
cases has been closed that long. A pure rule: facts and durations in, a date out.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Final

DEFAULT_RETENTION: Final = timedelta(days=1095)
"""Three years (3 x 365 days), the after-sales record retention."""

ANY_TIME: Final = datetime.min.replace(tzinfo=UTC)
"""Erasure allowed at once: the consumer has no case to keep records of."""


def erasure_allowed_from(
    closed_at: Iterable[datetime | None], retention: timedelta
) -> datetime | None:
    """When erasure becomes allowed: ``retention`` after the consumer's last case closed.

    ``closed_at`` holds each case's closing time, None for a case still open (or
    reopened, or under appeal): then no date can be given yet and the answer is
    None. With no cases at all the answer is :data:`ANY_TIME`.
    """
    times = list(closed_at)
    if any(t is None for t in times):
        return None
    closings = [t for t in times if t is not None]
    return max(closings) + retention if closings else ANY_TIME
