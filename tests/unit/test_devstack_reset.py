"""`scripts/devstack reset` empties a service's data only when asked with --yes.

Run on a state directory of the test's own (COMPLAINTS_STACK_DIR), with no
service running there: the shared stack is not touched.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DEVSTACK = Path(__file__).resolve().parents[2] / "scripts" / "devstack"


def reset(state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COMPLAINTS_STACK_DIR": str(state)}
    return subprocess.run(
        [str(DEVSTACK), "reset", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def a_stack(state: Path) -> tuple[Path, Path]:
    topic, database = state / "kafka" / "data" / "t1.events-0", state / "postgres" / "data" / "base"
    topic.mkdir(parents=True)
    database.mkdir(parents=True)
    return topic, database


def test_without_yes_it_says_what_it_would_delete_and_deletes_nothing(tmp_path: Path) -> None:
    topic, database = a_stack(tmp_path)
    done = reset(tmp_path, "kafka")
    assert done.returncode == 2
    assert str(tmp_path / "kafka" / "data") in done.stderr
    assert "reset kafka --yes" in done.stderr
    assert topic.exists()
    assert database.exists()


def test_with_yes_it_deletes_only_the_named_service_s_data(tmp_path: Path) -> None:
    _, database = a_stack(tmp_path)
    done = reset(tmp_path, "kafka", "--yes")
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "kafka" / "data").exists()
    assert database.exists()
    assert reset(tmp_path, "all", "--yes").returncode == 0
    assert not (tmp_path / "postgres" / "data").exists()


def test_an_unknown_service_is_refused(tmp_path: Path) -> None:
    done = reset(tmp_path, "zookeeper", "--yes")
    assert done.returncode == 2
    assert "reset kafka|postgres|all --yes" in done.stderr
