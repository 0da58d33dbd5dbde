"""Channels bound to principals (issue 13): who may file on which channel, as whom.

Before, any consumer or adapter token could file with any channel and
reference; a later genuine complaint with the same reference was silently
dropped, and the filing was recorded as ``adapter:<channel>``, not the caller.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from fastapi import FastAPI

from api_support import api_tokens, client_for, filed_complaint
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.api.app import create_app
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.processing.intake_processor import IntakeBatchReport, IntakeProcessor
from complaint_events.processing.messages import Incoming
from complaint_events.settings import Settings
from stack_support import read_topic

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(stack_settings: Settings) -> Iterator[FastAPI]:
    ensure_topics(stack_settings)
    app = create_app(stack_settings, clock=SimulatedClock(T0), tokens=api_tokens("adapter:email"))
    yield app
    app.state.bus.close()
    app.state.db.close()


def post(app: FastAPI, who: str, body: dict[str, object]) -> tuple[int, dict[str, object]]:
    answer = client_for(app, who).post(
        "/v1/complaints", json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    return answer.status_code, answer.json()


def run_intake(app: FastAPI) -> IntakeBatchReport:
    """The intake processor over everything on the topic, headers included."""
    settings: Settings = app.state.settings
    consumed = read_topic(settings.kafka_bootstrap, settings.topic(INTAKE_TOPIC))
    return IntakeProcessor(app.state.cases, app.state.clock).process(
        [
            Incoming(value=value, key=key.encode(), headers=tuple(headers.items()))
            for key, headers, value in consumed
        ]
    )


def test_an_adapter_files_on_its_own_channel_only(app: FastAPI) -> None:
    status, answer = post(app, "adapter:email", filed_complaint(1))  # channel web

    assert status == 403
    assert "adapter:email files on channel 'email' only" in str(answer["detail"])


def test_a_consumer_files_on_web_or_app_only(app: FastAPI) -> None:
    body = filed_complaint(1, channel="hotline")
    status, answer = post(app, "consumer", body)

    assert status == 403
    assert "web or app" in str(answer["detail"])


def test_a_consumers_reference_cannot_take_one_a_channel_will_use(app: FastAPI) -> None:
    # The consumer files first with the reference the web form will give a complaint.
    mine_status, mine = post(app, "consumer", filed_complaint(1))
    genuine_status, genuine = post(
        app, "adapter:web", filed_complaint(1, consumer={"consumer_id": "c-9", "name": "王五"})
    )

    assert (mine_status, genuine_status) == (202, 202)
    assert mine["case_id"] != genuine["case_id"]
    report = run_intake(app)
    assert not report.dead_letters, report.dead_letters
    opened = {str(o.case_id) for o in report.filed if o.opened}
    assert {mine["case_id"], genuine["case_id"]} <= opened
    # Each filing records who sent it.
    history = {
        case_id: [e.meta["actor"] for e in app.state.cases.history(UUID(case_id))]
        for case_id in (mine["case_id"], genuine["case_id"])
    }
    assert history[str(mine["case_id"])][0] == "consumer:c-1"
    assert history[str(genuine["case_id"])][0] == "adapter:web"


def test_a_reference_reused_by_another_complaint_is_dead_lettered_not_dropped(
    app: FastAPI,
) -> None:
    first = filed_complaint(1)
    other = filed_complaint(1, order_id="o-other", consumer={"consumer_id": "c-9", "name": "王五"})
    assert post(app, "adapter:web", first)[0] == 202
    assert post(app, "adapter:web", other)[0] == 202

    report = run_intake(app)

    assert [o.opened for o in report.filed] == [True]
    [letter] = report.dead_letters
    assert "already names case" in letter.reason
    assert b"o-other" in letter.value
