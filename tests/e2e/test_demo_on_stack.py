"""The demo on the real stack (``demo --kafka … --postgres …``) ends every case as embedded does.

The same small synthetic stream is played twice: through the in-process bus on
SQLite, and through real ``complaint-events worker`` processes on Kafka and
PostgreSQL, with the notification worker really stopped for the scenario's
gateway outage. Each complaint must reach the same outcome both ways: status,
resolution, liable party, remedy and amount paid.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.demo.embedded import play_embedded
from complaint_events.demo.summary import Summary, summarise
from complaint_events.settings import Settings
from worker_support import run_as_group

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).parent / "complaint-events")
CASES, SEED = 12, 10  # this seed's 12 complaints include every kind of ending the demo has
# Two complaints on one SKU raise a batch alert, so a small stream has batch alerts too.
THRESHOLD = "2"


def _summary_of(events_file: Path) -> Summary:
    lines = events_file.read_text(encoding="utf-8").splitlines()
    return summarise(EventEnvelope.model_validate_json(line) for line in lines)


def test_the_demo_on_the_real_stack_ends_every_case_as_embedded_mode_does(
    tmp_path: Path, postgres_admin_dsn: str, kafka_bootstrap: str
) -> None:
    out = tmp_path / "stack"
    env = {
        **os.environ,
        "COLUMNS": "200",
        "COMPLAINTS_BATCH_ALERT_THRESHOLD": THRESHOLD,
        "COMPLAINTS_STORE": "sqlite",  # the flags, not the environment, choose the stack
    }
    result = run_as_group(
        [
            *(CLI, "demo", "--kafka", kafka_bootstrap, "--postgres", postgres_admin_dsn),
            *("--cases", str(CASES), "--seed", str(SEED), "--out", str(out)),
        ],
        env=env,
        timeout=280,  # within pytest's 300 s, so its workers end with it
    )
    database = re.search(r"PostgreSQL database (complaints_demo_\d+)", result.stdout)
    try:
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        on_stack = _summary_of(out / "events.jsonl")
    finally:
        if database is not None:
            with psycopg.connect(postgres_admin_dsn, autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(database.group(1))
                    )
                )

    embedded = summarise(
        play_embedded(
            CASES,
            SEED,
            Settings(
                store="sqlite",
                sqlite_path=tmp_path / "embedded.sqlite",
                batch_alert_threshold=int(THRESHOLD),
            ),
        ).log.envelopes
    )
    assert len(embedded.outcomes) == CASES
    assert on_stack.outcomes == embedded.outcomes
    # The stream is worth comparing: it has silent merchants, batch alerts, appeals,
    # duplicates and more than one way for a case to end.
    assert on_stack.default_judgments == embedded.default_judgments > 0
    assert on_stack.batch_alerts == embedded.batch_alerts > 0
    assert on_stack.duplicates == embedded.duplicates > 0
    assert on_stack.appeals == embedded.appeals
    assert embedded.appeals["filed"] > 0
    assert len(Counter(outcome[1] for outcome in embedded.outcomes.values())) >= 3

    verified = subprocess.run(
        [CLI, "audit", "verify", "--file", str(out / "events.jsonl")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"{CASES} case(s)" in verified.stdout


def test_a_stack_demo_that_cannot_reach_kafka_removes_the_database_it_made(
    tmp_path: Path, postgres_admin_dsn: str
) -> None:
    out = tmp_path / "stack"
    result = subprocess.run(
        [CLI, "demo", "--kafka", "127.0.0.1:1", "--postgres", postgres_admin_dsn],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "COLUMNS": "200"},
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "cannot create the demo's topics on Kafka at 127.0.0.1:1" in result.stderr
    made = re.search(
        r"the database (complaints_demo_\d+) made for the run is removed", result.stderr
    )
    assert made is not None, result.stderr
    with psycopg.connect(postgres_admin_dsn) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname = %s", (made.group(1),)
        ).fetchone()
    assert left == (0,)
    assert not out.exists()
    assert not (tmp_path / "demo-output").exists()
