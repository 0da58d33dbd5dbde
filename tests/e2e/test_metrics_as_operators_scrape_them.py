"""A worker's /metrics as an operator scrapes them: ``worker all --metrics-port N``.

The worker runs as users run it, on the real Kafka and PostgreSQL, with JSON logs;
the test reads its metrics over HTTP as Prometheus would and waits (with
timeouts) for the series to move as intake messages are processed.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases
from complaint_events.contracts.topology import COMMANDS_TOPIC, INTAKE_DLQ_TOPIC, INTAKE_TOPIC
from complaint_events.domain.case import ComplaintCase
from complaint_events.settings import Settings
from metrics_support import Page, free_port, scrape
from waiting import wait_until
from worker_support import (
    CLI,
    Worker,
    command,
    event_types,
    intake_message,
    send_commands,
    send_intake,
    set_clock,
    worker_env,
)

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
SETTLE = 90.0  # seconds for a worker to start and process a batch on a busy machine

# The series docs/operations-metrics.md names, as they appear on a worker's page.
WORKER_SERIES = (
    "complaints_messages_in_total",
    "complaints_messages_out_total",
    "complaints_dead_letters_total",
    "complaints_batch_seconds_bucket",
    "complaints_batch_seconds_count",
    "complaints_consumer_lag",
    "complaints_stall_seconds",
    "complaints_stall_timeout_seconds",
    "complaints_watchdog_blind",
    "complaints_deadlines_pending",
    "complaints_deadlines_overdue",
    "complaints_deadlines_fired_total",
    "complaints_deadlines_rearmed_total",
    "complaints_relay_position",
)


@pytest.fixture
def worker(stack_settings: Settings, tmp_path: Path) -> Iterator[tuple[Worker, str]]:
    clock_file = tmp_path / "clock"
    set_clock(clock_file, T0)
    env = worker_env(
        stack_settings,
        clock_file,
        tmp_path / "data",
        COMPLAINTS_LOG_FORMAT="json",
        COMPLAINTS_STALL_TIMEOUT="30",  # a watchdog round every 5 s: lag shows up soon
    )
    ensure_topics(stack_settings)
    port = free_port()
    running = Worker(["all", "--metrics-port", str(port)], env, tmp_path).start()
    yield running, f"http://127.0.0.1:{port}/metrics"
    code = running.stop()
    print(running.log()[-20_000:])
    assert code == 0, "the worker did not stop cleanly on SIGTERM"


def test_a_worker_s_metrics_show_its_work(
    worker: tuple[Worker, str], stack_settings: Settings, tmp_path: Path
) -> None:
    running, url = worker
    bootstrap = stack_settings.kafka_bootstrap
    cases = build_cases(stack_settings)

    def page() -> Page | None:
        running.assert_alive()
        return scrape(url)

    def page_where(ready: Callable[[Page], bool], what: str) -> Page:
        try:
            return wait_until(
                lambda: (now := page()) is not None and ready(now) and now,
                timeout=SETTLE,
                what=what,
            )
        except AssertionError as error:
            last = scrape(url)
            ours = [
                line for line in (last.text if last else "").splitlines() if "complaints_" in line
            ]
            raise AssertionError(f"{error}; the page had:\n" + "\n".join(ours)) from None

    first = wait_until(page, timeout=SETTLE, what=f"the worker's metrics at {url}")
    assert first.value("complaints_messages_in_total", processor="intake") == 0
    assert first.value("complaints_stall_timeout_seconds") == 30

    complaint = intake_message(1)
    send_intake(bootstrap, stack_settings, [complaint, intake_message(2), b"\xff not json"])
    case = ComplaintCase.create_id(str(complaint["channel"]), str(complaint["channel_ref"]))
    wait_until(
        lambda: running.alive() and "CaseAssigned" in _event_types(cases, case),
        timeout=SETTLE,
        what="the first complaint filed and assigned",
    )
    # A clock that runs: the information request's, reminded at 48 h.
    ask = command(case, "request_information", {"items": ["photo"]}, actor="handler:h-7", at=T0)
    send_commands(bootstrap, stack_settings, [ask])
    page_where(
        lambda now: now.value("complaints_deadlines_pending") >= 1,
        "the information clock counted as pending",
    )
    set_clock(tmp_path / "clock", T0 + timedelta(hours=49))

    seen = page_where(
        lambda now: (
            now.value("complaints_deadlines_fired_total", action="remind") >= 1
            and now.value("complaints_relay_position") >= 2
            and now.has("complaints_consumer_lag", topic=stack_settings.topic(INTAKE_TOPIC))
        ),
        "the reminder fired and the watchdog's first rounds",
    )

    missing = [name for name in WORKER_SERIES if name not in seen.names()]
    assert not missing, f"not on the worker's page: {missing}"
    assert seen.value("complaints_messages_in_total", processor="intake") >= 3
    assert seen.value("complaints_messages_in_total", processor="router") >= 2
    assert seen.value("complaints_messages_in_total", processor="projections") >= 2
    assert (
        seen.value("complaints_messages_out_total", processor="router", topic=COMMANDS_TOPIC) >= 1
    )
    assert seen.value("complaints_messages_out_total", processor="relay") >= 2
    letters = {"processor": "intake", "topic": INTAKE_DLQ_TOPIC, "reason": "invalid"}
    assert seen.value("complaints_dead_letters_total", **letters) == 1
    assert seen.value("complaints_batch_seconds_count", processor="intake") >= 1
    assert seen.has("complaints_stall_seconds", topic=stack_settings.topic(INTAKE_TOPIC))

    # Its log lines are JSON objects.
    lines = [
        json.loads(line) for line in running.log_since_start().splitlines() if line.startswith("{")
    ]
    assert lines, "no JSON log lines"
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)


def _event_types(cases: ComplaintCases, case: UUID) -> list[str]:
    try:
        return event_types(cases, case)
    except Exception:  # noqa: BLE001 - not filed yet
        return []


def test_the_api_s_metrics_and_json_logs_as_it_runs(
    stack_settings: Settings, tmp_path: Path
) -> None:
    port = free_port()
    env = worker_env(
        stack_settings, tmp_path / "clock", tmp_path / "data", COMPLAINTS_LOG_FORMAT="json"
    )
    set_clock(tmp_path / "clock", T0)
    with (
        (tmp_path / "api.log").open("wb") as log,
        subprocess.Popen(
            [str(CLI), "api", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        ) as api,
    ):
        try:
            base = f"http://127.0.0.1:{port}"
            wait_until(
                lambda: api.poll() is None and scrape(f"{base}/healthz") is not None,
                timeout=SETTLE,
                what="the API to answer",
            )
            page = scrape(f"{base}/metrics")
            assert page is not None
            assert {"complaints_http_requests", "complaints_messages_out"} <= page.families()
            assert page.has("complaints_http_requests_total", route="/healthz", status="200")
        finally:
            api.terminate()
            api.wait(timeout=30)

    # Its request lines are JSON objects too (uvicorn's own loggers).
    logged = [
        json.loads(line)
        for line in (tmp_path / "api.log").read_text(errors="replace").splitlines()
        if line.startswith("{")
    ]
    assert any(entry["logger"] == "uvicorn.access" for entry in logged), logged[-5:]
