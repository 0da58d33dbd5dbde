"""The stage funnel of the demo's report: how many cases reached each step of the main path.

A case reaches a step when the event of that step, or of a later one, is on its
record: a no-reason return (消费者权益保护法 Art. 25) is offered a remedy without a
liability finding, and counts as past that step, as a case acknowledged late
counts as acknowledged once it is further on. So every step counts at most the
cases of the step above it, and what a step loses is told apart: the cases
that ended there (closed) and those still waiting there (open).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

FUNNEL_STEPS: Final = (
    ("filed", "ComplaintFiled"),
    ("acknowledged", "AcknowledgementSent"),
    ("liability_determined", "LiabilityDetermined"),
    ("remedy_offered", "RemedyOffered"),
    ("remedy_accepted", "RemedyAccepted"),
    ("remedy_executed", "RemedyExecuted"),
)
"""(step, the event that marks it), down the funnel."""

STEP_OF_EVENT: Final[Mapping[str, int]] = {event: i for i, (_, event) in enumerate(FUNNEL_STEPS)}


@dataclass(frozen=True)
class FunnelStep:
    """One step: the cases that reached it, and of those that went no further, how many
    were closed there and how many are still open there."""

    step: str
    reached: int
    closed_here: int
    open_here: int

    @property
    def went_on(self) -> int:
        return self.reached - self.closed_here - self.open_here


def funnel_of(furthest: Iterable[tuple[int, bool]]) -> list[FunnelStep]:
    """The funnel of cases given as (index of the furthest step reached, closed or not)."""
    ended = [[0, 0] for _ in FUNNEL_STEPS]  # per step: [closed there, open there]
    for step, closed in furthest:
        ended[step][0 if closed else 1] += 1
    steps: list[FunnelStep] = []
    remaining = sum(c + o for c, o in ended)
    for (name, _), (closed_here, open_here) in zip(FUNNEL_STEPS, ended, strict=True):
        steps.append(FunnelStep(name, remaining, closed_here, open_here))
        remaining -= closed_here + open_here
    return steps
