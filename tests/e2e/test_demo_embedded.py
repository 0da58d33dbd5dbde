"""The embedded demo as users run it: a small synthetic stream, its report and event log."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from complaint_events.demo.embedded import embedded_settings, play_embedded
from complaint_events.demo.summary import summarise

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).parent / "complaint-events")
# The run's own secrets file (tests/conftest.py), not the user's.
SECRETS = {"COMPLAINTS_SECRETS_FILE": os.environ["COMPLAINTS_SECRETS_FILE"]}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={"COLUMNS": "200", "PATH": str(Path(CLI).parent), **SECRETS},
    )


def test_demo_plays_the_stream_and_writes_a_report_and_a_verifiable_event_log(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    result = run("demo", "--cases", "40", "--seed", "7", "--out", str(out))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    judgments = re.search(r"default judgments \(silent merchants\)\s*│\s*(\d+)", text)
    alerts = re.search(r"batch alerts\s*│\s*(\d+)", text)
    assert judgments is not None, text
    assert int(judgments.group(1)) > 0, text
    assert alerts is not None, text
    assert int(alerts.group(1)) > 0, text
    assert "SLA: acknowledged within 24 h" in text
    report = out / "report.html"
    events = out / "events.jsonl"
    assert report.exists()
    assert '<svg id="chart-funnel"' in report.read_text(encoding="utf-8")
    lines = events.read_text(encoding="utf-8").splitlines()
    assert len({json.loads(line)["case_id"] for line in lines}) == 40

    verified = run("audit", "verify", "--file", str(events))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "40 case(s)" in verified.stdout


def test_an_altered_event_in_the_log_is_found(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("demo", "--cases", "5", "--seed", "1", "--out", str(out)).returncode == 0
    events = out / "events.jsonl"
    lines = events.read_text(encoding="utf-8").splitlines()
    doctored = json.loads(lines[3])
    doctored["actor"] = "handler:someone-else"
    lines[3] = json.dumps(doctored, ensure_ascii=False)
    events.write_text("\n".join(lines) + "\n", encoding="utf-8")
    verified = run("audit", "verify", "--file", str(events))
    assert verified.returncode == 1, verified.stdout
    assert "FIRST BAD EVENT" in verified.stdout


def test_the_same_seed_gives_the_same_case_outcomes(tmp_path: Path) -> None:
    first = summarise(play_embedded(30, 7, embedded_settings(tmp_path / "a.sqlite")).log.envelopes)
    second = summarise(play_embedded(30, 7, embedded_settings(tmp_path / "b.sqlite")).log.envelopes)
    assert first.outcomes == second.outcomes
    assert len(first.outcomes) == 30


def test_the_stack_mode_says_what_to_check_when_postgres_cannot_be_reached(tmp_path: Path) -> None:
    result = run(
        "demo",
        "--postgres",
        "host=127.0.0.1 port=1 user=nobody dbname=nothing",
        "--out",
        str(tmp_path / "out"),
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "COMPLAINTS_POSTGRES_DSN" in result.stderr
    assert not (tmp_path / "out" / "events.jsonl").exists()
