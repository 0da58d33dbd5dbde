"""An open case shows its next clock: open first, then paused, then the last expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from complaint_events.demo.open_cases import next_deadline
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import DeadlineKind

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _clock(kind: DeadlineKind, hours: int, state: DeadlineState) -> Deadline:
    return Deadline(f"{kind}@{hours}", kind, T0, T0 + timedelta(hours=hours), None, state)


def test_the_open_clock_due_first_comes_before_paused_and_expired_ones() -> None:
    clocks = [
        _clock(DeadlineKind.INFORMATION, 72, DeadlineState.OPEN),
        _clock(DeadlineKind.MERCHANT_EVIDENCE, 48, DeadlineState.OPEN),
        _clock(DeadlineKind.SPOT_CHECK, 24, DeadlineState.PAUSED),
        _clock(DeadlineKind.ACKNOWLEDGEMENT, 12, DeadlineState.EXPIRED),
    ]
    found = next_deadline({c.deadline_id: c for c in clocks})
    assert found is not None
    assert found.kind == DeadlineKind.MERCHANT_EVIDENCE


def test_without_a_running_clock_the_one_that_expired_last_is_shown() -> None:
    clocks = [
        _clock(DeadlineKind.ACKNOWLEDGEMENT, 12, DeadlineState.EXPIRED),
        _clock(DeadlineKind.REMEDY_ANSWER, 96, DeadlineState.EXPIRED),
        _clock(DeadlineKind.INFORMATION, 200, DeadlineState.MET),
    ]
    found = next_deadline({c.deadline_id: c for c in clocks})
    assert found is not None
    assert found.kind == DeadlineKind.REMEDY_ANSWER


def test_a_case_whose_clocks_all_ended_has_none() -> None:
    met = _clock(DeadlineKind.REFUND, 1, DeadlineState.MET)
    assert next_deadline({met.deadline_id: met}) is None
