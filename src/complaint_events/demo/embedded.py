"""Embedded mode: play the synthetic stream through the in-process bus on a simulated clock."""

from __future__ import annotations

from pathlib import Path

from complaint_events.bootstrap import build_cases
from complaint_events.clock import SimulatedClock
from complaint_events.demo.embedded_bus import EmbeddedBus
from complaint_events.demo.playing import OUTAGES, START, DemoRun, OnProgress, play, stream
from complaint_events.processing.batch_window import BatchPolicy
from complaint_events.settings import Settings


def play_embedded(
    cases_wanted: int,
    seed: int,
    settings: Settings,
    on_progress: OnProgress = lambda _fraction, _what: None,
) -> DemoRun:
    """Play ``cases_wanted`` synthetic complaints through their lifecycles; return the log."""
    cases = build_cases(settings)
    try:
        bus = EmbeddedBus(
            cases,
            SimulatedClock(START),
            BatchPolicy(
                threshold=settings.batch_alert_threshold, window=settings.batch_alert_window
            ),
            outages=OUTAGES,
        )
        return play(bus, cases, stream(cases_wanted, seed), on_progress)
    finally:
        cases.close()


def embedded_settings(sqlite_path: Path) -> Settings:
    """Settings for embedded mode: a SQLite event store at ``sqlite_path``."""
    return Settings(store="sqlite", sqlite_path=sqlite_path)
