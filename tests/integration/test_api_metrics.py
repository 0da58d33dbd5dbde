"""The API's /metrics on the real stack: what it publishes to Kafka is counted, per topic."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from api_support import client_for, filed_complaint, stack_app
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.settings import Settings
from metrics_support import Page

pytestmark = pytest.mark.integration


@pytest.fixture
def app(stack_settings: Settings) -> Iterator[FastAPI]:
    with stack_app(stack_settings) as app:
        yield app


def scraped(app: FastAPI) -> Page:
    answer = client_for(app, None).get("/metrics")  # as Prometheus scrapes: no token
    assert answer.status_code == 200, answer.text
    return Page(answer.text)


def test_an_intake_the_api_publishes_is_counted_with_its_request(app: FastAPI) -> None:
    before = scraped(app)
    published = {"processor": "api", "topic": INTAKE_TOPIC}
    route = {"route": "/v1/complaints", "method": "POST", "status": "202"}

    answer = client_for(app, "adapter").post(
        "/v1/complaints", json=filed_complaint(1), headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert answer.status_code == 202, answer.text

    after = scraped(app)
    assert after.value("complaints_messages_out_total", **published) == (
        before.value("complaints_messages_out_total", **published) + 1
    )
    assert after.value("complaints_http_requests_total", **route) == (
        before.value("complaints_http_requests_total", **route) + 1
    )
    assert after.value("complaints_http_request_seconds_count", route="/v1/complaints") >= 1
