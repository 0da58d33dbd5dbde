"""The reliability suite's scale: ``COMPLAINTS_CHAOS_SCALE=short|full`` (default short).

CI runs the short version with the rest of the suite; the full one runs on
demand (``COMPLAINTS_CHAOS_SCALE=full .venv/bin/pytest -m chaos``). Tests ask
the ``chaos_scale`` fixture for their sizes instead of reading the environment,
so one switch sizes the whole package. ``COMPLAINTS_CHAOS_SEED`` replays a run:
each test prints the seed it used.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, replace
from typing import Final

import pytest

SCALE_VARIABLE: Final = "COMPLAINTS_CHAOS_SCALE"
SEED_VARIABLE: Final = "COMPLAINTS_CHAOS_SEED"


@dataclass(frozen=True, slots=True)
class ChaosScale:
    """How hard the reliability tests push, and how long they may wait for the stack."""

    name: str
    intake_messages: int  # messages produced to the intake topic by the fuzzer
    conflict_rounds: int  # cases fought over by concurrent callers
    conflict_callers: int  # concurrent callers per case
    authorization_rounds: int  # passes over the endpoint x principal x id matrix
    settle_seconds: float  # how long a condition on the real stack may take
    seed: int  # the run's random seed (hypothesis and random bytes)

    @property
    def full(self) -> bool:
        return self.name == "full"


SCALES: Final = {
    "short": ChaosScale(
        name="short",
        intake_messages=1000,
        conflict_rounds=6,
        conflict_callers=6,
        authorization_rounds=1,
        settle_seconds=120.0,
        seed=0,
    ),
    "full": ChaosScale(
        name="full",
        intake_messages=10_000,
        conflict_rounds=40,
        conflict_callers=10,
        authorization_rounds=3,
        settle_seconds=600.0,
        seed=0,
    ),
}


def scale_from_environment() -> ChaosScale:
    """The scale named by ``COMPLAINTS_CHAOS_SCALE`` and the seed of ``COMPLAINTS_CHAOS_SEED``."""
    name = os.environ.get(SCALE_VARIABLE, "short").strip().lower() or "short"
    if name not in SCALES:
        raise pytest.UsageError(f"{SCALE_VARIABLE} is short or full, not {name!r}")
    seed_text = os.environ.get(SEED_VARIABLE, "").strip()
    seed = int(seed_text) if seed_text else random.SystemRandom().randrange(2**32)
    return replace(SCALES[name], seed=seed)


@pytest.fixture(scope="session")
def chaos_scale() -> ChaosScale:
    """The sizes of this run; prints the seed so a failure can be replayed."""
    scale = scale_from_environment()
    print(f"chaos scale {scale.name}, {SEED_VARIABLE}={scale.seed}")
    return scale
