"""The lead's dashboard on the real stack: the read models' figures, who may see it, its bounds.

Case ``liable`` (merchant m-1) has its merchant found liable and case ``alerted``
is linked to batch alert ``alert-7`` on ``sku-kettle``; after the read models
are built from the events on Kafka, a handler's dashboard lists them, shows
the SLA of every filing day, and counts the overdue cases as the queue does.
On the embedded SQLite store, which has no read models, the page says so and
still counts the overdue cases from the event store.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from api_support import api_tokens
from complaint_events.api.app import create_app
from complaint_events.clock import SimulatedClock
from complaint_events.console.dashboard import MAX_DAYS
from complaint_events.domain.acting import Acting
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.settings import Settings
from complaint_support import numbered_complaint
from console_support import (
    NOW,
    ConsoleWorld,
    console_world,
    merchant_found_liable_and_a_fresh_case,
    signed_in_client,
)
from stack_support import publish_and_project

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[ConsoleWorld]:
    with console_world(postgres_admin_dsn, kafka_bootstrap) as built:
        cases = built.app.state.cases
        liable, alerted = merchant_found_liable_and_a_fresh_case(built)
        built.ids["liable"], built.ids["alerted"] = liable, alerted
        cases.act(
            alerted,
            lambda c: c.link_batch_alert(
                alert_id="alert-7", sku="sku-kettle", by=Acting("system:batch", NOW),
                policy=DeadlinePolicy(),
            ),
        )  # fmt: skip
        publish_and_project(built.settings, cases)
        yield built


def _count(html: str, testid: str) -> int:
    found = re.search(rf'data-testid="{testid}">(?:<a [^>]*>)?(\d+)<', html)
    assert found is not None, testid
    return int(found.group(1))


def test_a_handler_sees_sla_per_day_risks_and_alerts(world: ConsoleWorld) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    page = handler.get("/console/dashboard?days=7&lang=en")
    assert page.status_code == 200
    days = re.findall(r'<tr data-day="([0-9-]+)"', page.text)
    assert days == [f"2026-0{d}" for d in ("3-01", "2-28", "2-27", "2-26", "2-25", "2-24", "2-23")]
    filed_first = re.search(
        r'<tr data-day="2026-02-27"[^>]*>\s*<td>2026-02-27</td><td>(\d+)<', page.text
    )
    assert filed_first is not None
    assert filed_first.group(1) == "1"  # case "late"
    assert 'data-merchant="m-1"' in page.text
    assert 'data-merchant="m-2"' not in page.text  # never found liable, never penalised
    assert 'data-sku="sku-kettle"' in page.text
    assert re.search(r'data-alert="alert-7"><td>alert-7</td><td>sku-kettle</td><td>1<', page.text)
    rows = handler.get("/console/queue/rows").text
    assert _count(page.text, "open-overdue") == _count(rows, "overdue") >= 1
    assert "no-read-models" not in page.text


def test_an_auditor_sees_it_and_a_merchant_does_not(world: ConsoleWorld) -> None:
    auditor = signed_in_client(world.app, "auditor:a-1")
    assert auditor.get("/console/dashboard").status_code == 200
    assert 'data-testid="nav-dashboard"' in auditor.get("/console/queue").text
    merchant = signed_in_client(world.app, "merchant:m-1")
    refused = merchant.get("/console/dashboard")
    assert refused.status_code == 403
    assert "m-2" not in refused.text
    assert 'data-testid="nav-dashboard"' not in merchant.get("/console/queue").text


@pytest.mark.parametrize("query", ["days=0", f"days={MAX_DAYS + 1}", "days=x", "day=7"])
def test_the_span_is_bounded(world: ConsoleWorld, query: str) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    assert handler.get(f"/console/dashboard?{query}").status_code == 422


def test_on_the_sqlite_store_it_says_the_read_models_are_missing(tmp_path: Path) -> None:
    settings = Settings(store="sqlite", sqlite_path=tmp_path / "events.sqlite")
    clock = SimulatedClock(datetime(2026, 3, 1, 9, tzinfo=UTC))
    app = create_app(settings, clock=clock, tokens=api_tokens())
    cases = app.state.cases
    late = numbered_complaint(2, clock.now() - timedelta(days=2), merchant_id="m-1")
    cases.file_complaints([(late, Acting("adapter:web", late.received_at))])
    page = signed_in_client(app, "handler:h-7").get("/console/dashboard")
    assert page.status_code == 200
    assert 'data-testid="no-read-models"' in page.text
    assert _count(page.text, "open-overdue") == 1
    assert 'data-testid="sla"' not in page.text
