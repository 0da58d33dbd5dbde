"""The command line as users run it: the demo, case histories, helpful errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from waiting import wait_until

pytestmark = pytest.mark.e2e

# The console script installed beside the interpreter running the tests.
CLI = str(Path(sys.executable).parent / "complaint-events")
# The run's own secrets file (tests/conftest.py), not the user's.
SECRETS = {"COMPLAINTS_SECRETS_FILE": os.environ["COMPLAINTS_SECRETS_FILE"]}


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, timeout=120, check=False, env=env
    )


def test_help_lists_the_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "relay", "schemas", "case", "topics"):
        assert re.search(rf"│ {command}\s", result.stdout), command


@pytest.mark.parametrize(
    "command", [(), ("demo",), ("worker",), ("health",), ("audit", "verify"), ("api",)]
)
def test_help_shows_no_value_type_beside_a_flag(command: tuple[str, ...]) -> None:
    # a flag takes no value: "--stack <bool>" would tell users to write one
    result = run(*command, "--help", env={"COLUMNS": "200", **SECRETS})
    assert result.returncode == 0, result.stderr
    assert re.search(r"--help\s+Show this message", result.stdout)
    assert "<bool>" not in result.stdout


def test_demo_samples_plays_the_sample_cases_and_their_histories_read_back(
    tmp_path: Path,
) -> None:
    store = tmp_path / "demo.sqlite"
    result = run("demo-samples", "--sqlite-path", str(store))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "duplicate of (matched on problem)" in out
    assert "deadline merchant_evidence expired" in out
    assert "deadline information expired" in out
    assert "done: 3 cases" in out

    kettle = re.search(r"app app-20260101-0001: opened case ([0-9a-f-]{36})", out)
    assert kettle is not None
    history = run(
        "case",
        "history",
        kettle.group(1),
        "--store",
        "sqlite",
        env={
            "COMPLAINTS_SQLITE_PATH": str(store),
            "PATH": str(Path(CLI).parent),
            "COLUMNS": "200",
            **SECRETS,
        },
    )
    assert history.returncode == 0, history.stderr
    for event in (
        "ComplaintFiled",
        "DuplicateSubmissionRecorded",
        "DeadlineExpired",
        "LiabilityDetermined",
        "RemedyOffered",
        "RemedyExecuted",
        "CaseClosed",
        "SatisfactionRecorded",
    ):
        assert event in history.stdout, event


def test_history_of_an_unknown_case_says_so(tmp_path: Path) -> None:
    (tmp_path / "empty.sqlite").touch()  # a store with no case in it
    env = {
        "COMPLAINTS_SQLITE_PATH": str(tmp_path / "empty.sqlite"),
        "PATH": str(Path(CLI).parent),
        **SECRETS,
    }
    unknown = run("case", "history", "00000000-0000-0000-0000-000000000001", env=env)
    assert unknown.returncode == 2  # as case show: an unknown case is a usage error
    assert "no complaint case with id 00000000-0000-0000-0000-000000000001" in unknown.stderr
    malformed = run("case", "history", "not-a-uuid", env=env)
    assert malformed.returncode == 2
    assert "expected a UUID" in malformed.stderr


def test_worker_help_lists_every_processor() -> None:
    result = run(
        "worker", "--help", env={"COLUMNS": "200", "PATH": str(Path(CLI).parent), **SECRETS}
    )
    assert result.returncode == 0, result.stderr
    for name in (
        "intake",
        "commands",
        "acknowledgement",
        "deadlines",
        "router",
        "batch-quality",
        "relay",
        "all",
    ):
        assert name in result.stdout, name


def test_an_unknown_processor_is_refused_with_the_choices() -> None:
    result = run(
        "worker", "intak", env={"COLUMNS": "200", "PATH": str(Path(CLI).parent), **SECRETS}
    )
    assert result.returncode == 2
    assert "unknown processor intak" in result.stderr
    assert "intake" in result.stderr


def test_a_clock_file_that_does_not_exist_is_refused_before_starting() -> None:
    result = run(
        "worker",
        "all",
        "--clock",
        "file:/nonexistent/clock",
        env={"COLUMNS": "200", "PATH": str(Path(CLI).parent), **SECRETS},
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_a_worker_started_while_kafka_is_down_waits_for_it(tmp_path: Path) -> None:
    # Nothing listens on port 1: the worker must keep trying, saying so, not exit.
    log = tmp_path / "worker.log"
    with log.open("wb") as sink:
        worker = subprocess.Popen(
            [CLI, "worker", "intake"],
            stdout=sink,
            stderr=subprocess.STDOUT,
            env={
                "PATH": str(Path(CLI).parent),
                **SECRETS,
                "COMPLAINTS_KAFKA_BOOTSTRAP": "127.0.0.1:1",
                "COMPLAINTS_WORKER_DATA_DIR": str(tmp_path / "data"),
            },
        )
    try:
        wait_until(
            lambda: "trying again in" in log.read_text(errors="replace"),
            timeout=90,
            what="the worker to say it keeps trying to reach Kafka",
        )
        assert worker.poll() is None, log.read_text(errors="replace")
        assert "127.0.0.1:1 cannot be reached" in log.read_text(errors="replace")
    finally:
        worker.terminate()
        worker.wait(timeout=30)
