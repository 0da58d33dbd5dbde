"""``scripts/bootstrap-venv`` on an installed checkout: a no-op that leaves ``.venv`` alone.

``scripts/demo`` and ``scripts/console`` run it first, also while other processes
use the same ``.venv`` (a test run starts ``scripts/console`` beside tests that run
``.venv/bin/complaint-events``). pip rewrites the entry points of a project it
installs, so a call that ran pip again made those processes find no
``complaint-events`` for a moment: a call on an up-to-date ``.venv`` must not run it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "scripts" / "bootstrap-venv"
ENTRY_POINT = REPO / ".venv" / "bin" / "complaint-events"


def _bootstrap(*extras: str) -> str:
    done = subprocess.run(
        [str(SCRIPT), *extras], capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stderr


@pytest.mark.parametrize("extras", [(), ("dev",)], ids=["demo's call", "tests' call"])
def test_a_second_call_runs_no_pip_and_leaves_the_entry_points_alone(
    extras: tuple[str, ...],
) -> None:
    _bootstrap("dev")  # as scripts/test does first: installed with the dev extras
    before = ENTRY_POINT.stat()

    said = _bootstrap(*extras)

    assert ".venv up to date" in said, said
    assert "pip" not in said, said
    after = ENTRY_POINT.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    stamp = (REPO / ".venv" / "bootstrap-stamp").read_text().split()
    assert "dev" in stamp[1].split(","), stamp
