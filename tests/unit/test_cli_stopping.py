"""A long-running command stops on SIGTERM or SIGINT and says why (cli/stopping.py)."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator

import pytest

from complaint_events.cli.stopping import stop_on_signals


@pytest.fixture
def handlers_restored() -> Iterator[None]:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_the_signal_sets_the_stop_and_says_what_the_command_does(
    sig: signal.Signals, handlers_restored: None, capsys: pytest.CaptureFixture[str]
) -> None:
    stop = stop_on_signals("relay", "stopping after this batch")
    assert not stop.is_set()
    os.kill(os.getpid(), sig)  # the handler runs in this thread before kill returns
    assert stop.wait(5)
    assert capsys.readouterr().err.strip() == f"relay: signal {int(sig)}, stopping after this batch"
