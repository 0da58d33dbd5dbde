"""Means and ratios stored beside the sums and counts they come from.

A counter table keeps sums (of seconds) and counts, because those add up
batch by batch and over any grouping. An analyst usually wants the mean or the
share, and dividing by hand invites mistakes (seconds against hours, integer
division, a zero count). These columns are PostgreSQL *generated* columns:
computed from their row's sums and counts on every write, so they are never
out of step, need no code in the folds, and a rebuild's ``COPY`` (which names
only the counters) fills them too. Each is NULL when there is nothing to divide.
"""

from __future__ import annotations

SECONDS_PER_HOUR = 3600


def mean_hours(name: str, seconds_total: str, count: str) -> str:
    """The column ``name``: the mean, in hours, of ``seconds_total`` over ``count``."""
    return (
        f"{name} numeric(20, 6) GENERATED ALWAYS AS"
        f" ({seconds_total} / NULLIF({count}, 0) / {SECONDS_PER_HOUR}) STORED"
    )


def ratio(name: str, part: str, whole: str) -> str:
    """The column ``name``: ``part / whole``, between 0 and 1."""
    return f"{name} numeric(7, 6) GENERATED ALWAYS AS ({part}::numeric / NULLIF({whole}, 0)) STORED"
