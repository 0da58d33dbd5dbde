"""Clocks: the simulated one moves only when told; the file clock follows its file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaint_events.clock import (
    ClockError,
    FileClock,
    SimulatedClock,
    SystemClock,
    clock_from_spec,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_a_file_clock_tells_the_time_written_in_its_file(tmp_path: Path) -> None:
    path = tmp_path / "clock"
    FileClock.write(path, T0)
    clock = FileClock(path)
    assert clock.now() == T0
    FileClock.write(path, T0 + timedelta(hours=49))
    assert clock.now() == T0 + timedelta(hours=49)


def test_a_file_clock_without_its_file_says_how_to_set_it(tmp_path: Path) -> None:
    with pytest.raises(ClockError, match="write an ISO timestamp"):
        FileClock(tmp_path / "missing").now()


@pytest.mark.parametrize("text", ["tomorrow", "2026-03-01T09:00:00"])
def test_a_file_clock_refuses_a_time_it_cannot_trust(tmp_path: Path, text: str) -> None:
    path = tmp_path / "clock"
    path.write_text(text)
    with pytest.raises(ClockError, match=repr(text)):
        FileClock(path).now()


def test_the_clock_setting_names_a_clock(tmp_path: Path) -> None:
    assert isinstance(clock_from_spec("system"), SystemClock)
    assert isinstance(clock_from_spec(f"file:{tmp_path / 'c'}"), FileClock)
    with pytest.raises(ClockError, match="use 'system' or 'file:"):
        clock_from_spec("ntp")


def test_a_simulated_clock_never_goes_back() -> None:
    clock = SimulatedClock(T0)
    assert clock.advance(timedelta(hours=1)) == T0 + timedelta(hours=1)
    with pytest.raises(ValueError, match="cannot move the clock back"):
        clock.set(T0)
