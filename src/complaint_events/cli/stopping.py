"""How a long-running command stops: SIGTERM or SIGINT (Ctrl-C) sets an event.

The relay, the projector, the analytics job and the channel adapters each loop
until that event is set, finish the batch (or report) in hand and exit 0; the
line printed says which signal came and what the command does before it exits.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType

from rich.console import Console

err = Console(stderr=True)


def stop_on_signals(what: str, then: str = "stopping") -> threading.Event:
    """An event set by SIGTERM or SIGINT, which prints ``<what>: signal N, <then>``."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        err.print(f"{what}: signal {signum}, {then}")
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    return stop
