"""The installed package claims one top-level name: ``complaint_events``."""

from __future__ import annotations

import importlib.util

import pytest


@pytest.mark.parametrize("part", ["consumers", "projections", "analytics"])
def test_the_workers_read_models_and_analytics_live_under_the_package(part: str) -> None:
    assert importlib.util.find_spec(f"complaint_events.{part}") is not None
    # A generic name like `consumers` in site-packages would shadow, or be shadowed by,
    # any other project's package of that name.
    assert importlib.util.find_spec(part) is None
