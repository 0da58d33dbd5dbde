"""The stage funnel counts the cases that reached each step; what a step loses is told apart."""

from __future__ import annotations

from complaint_events.demo.funnel import FUNNEL_STEPS, funnel_of

LIABILITY = 2
EXECUTED = len(FUNNEL_STEPS) - 1


def test_each_step_counts_the_cases_that_reached_it_or_a_later_one() -> None:
    # three executed and closed, one closed at liability (no merchant liability), one open there
    cases = [(EXECUTED, True)] * 3 + [(LIABILITY, True), (LIABILITY, False)]
    funnel = funnel_of(cases)
    assert [f.step for f in funnel] == [step for step, _ in FUNNEL_STEPS]
    assert [f.reached for f in funnel] == [5, 5, 5, 3, 3, 3]
    liability = funnel[LIABILITY]
    assert (liability.closed_here, liability.open_here, liability.went_on) == (1, 1, 3)
    assert funnel[EXECUTED].went_on == 0


def test_no_cases_make_an_empty_funnel_of_every_step() -> None:
    assert [f.reached for f in funnel_of([])] == [0] * len(FUNNEL_STEPS)
