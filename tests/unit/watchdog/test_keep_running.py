"""The restart loop of the relay and the projector: back off in a row, afresh after a good run."""

from __future__ import annotations

import threading

import pytest

from complaint_events.consumers import runtime


class Stop(threading.Event):
    """A stop event whose waits are recorded instead of slept."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        return self.is_set()


def test_failures_in_a_row_back_off_and_a_long_run_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(runtime.time, "monotonic", lambda: now[0])
    stop = Stop()
    # Each entry: how long the run lasts before it fails (None: it returns, stopped).
    script: list[float | None] = [0.1, 0.1, 0.1, 0.1, 0.1, 60.0, 0.1, None]

    def run() -> None:
        lasted = script.pop(0)
        if lasted is None:
            stop.set()
            return
        now[0] += lasted
        raise ConnectionError("PostgreSQL restarting")

    runtime.keep_running("relay", stop, run)

    assert stop.waits == [1.0, 2.0, 4.0, 8.0, 10.0, 1.0, 2.0]
    assert script == []


def test_a_run_that_returns_is_not_started_again() -> None:
    stop = Stop()
    calls: list[int] = []

    def finish() -> None:
        calls.append(1)
        stop.set()

    runtime.keep_running("projections", stop, finish)
    assert calls == [1]
    assert stop.waits == []
