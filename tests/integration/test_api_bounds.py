"""What a caller sends is bounded at the API (issue 13): size, length, NUL, repetition."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI

from api_support import client_for, filed_complaint, stack_app
from complaint_events.contracts.bounds import LONG_TEXT_MAX, SHORT_TEXT_MAX
from complaint_events.contracts.topology import COMMANDS_TOPIC, INTAKE_TOPIC
from complaint_events.settings import Settings
from stack_support import read_topic

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(stack_settings: Settings) -> Iterator[FastAPI]:
    with stack_app(stack_settings) as app:
        yield app


def published(app: FastAPI, topic: str) -> int:
    settings: Settings = app.state.settings
    return len(read_topic(settings.kafka_bootstrap, settings.topic(topic)))


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


def test_a_body_over_the_limit_is_413_and_nothing_is_published(app: FastAPI) -> None:
    limit = app.state.settings.api_max_body_bytes
    adapter = client_for(app, "adapter")
    five_mb = filed_complaint(1, description="漏" * 1_700_000)

    declared = adapter.post("/v1/complaints", json=five_mb, headers=key())
    chunked = adapter.post(
        "/v1/complaints",
        content=(b"x" * 65_536 for _ in range(limit // 65_536 + 2)),
        headers={**key(), "Content-Type": "application/json"},
    )

    assert (declared.status_code, chunked.status_code) == (413, 413)
    assert declared.json() == {"detail": f"request body larger than {limit} bytes"}
    assert chunked.json() == declared.json()
    assert published(app, INTAKE_TOPIC) == 0
    # The largest valid complaint still fits with room to spare.
    largest = filed_complaint(
        2,
        description="漏" * LONG_TEXT_MAX,
        evidence=[{"kind": "photo", "uri": "s3://e/" + "p" * 1990} for _ in range(50)],
    )
    assert adapter.post("/v1/complaints", json=largest, headers=key()).status_code == 202


@pytest.mark.parametrize(
    ("action", "body", "field"),
    [
        ("escalate", {"reason": "x" * (LONG_TEXT_MAX + 1)}, "reason"),
        ("escalate", {"reason": "slow\x00"}, None),
        ("request-information", {"items": ["x" * (SHORT_TEXT_MAX + 1)]}, "items"),
        ("request-information", {"items": ["receipt"] * 51}, "items"),
        ("close", {"resolution": "remedy_executed", "note": "n" * (LONG_TEXT_MAX + 1)}, "note"),
        # One over the bound with a leading space: nothing trims it under the bound first
        # (schemathesis found the API taking what the schema refuses).
        ("request-merchant-evidence", {"questions": [" " + "q" * LONG_TEXT_MAX]}, "questions"),
    ],
)
def test_command_text_over_its_bound_or_with_nul_is_422(
    app: FastAPI, action: str, body: dict[str, object], field: str | None
) -> None:
    answer = client_for(app, "handler").post(f"/v1/cases/{uuid.uuid4()}/{action}", json=body)

    assert answer.status_code == 422, answer.text
    messages = " ".join(str(e) for e in answer.json()["detail"])
    if field is None:
        assert "NUL character" in messages
    else:
        assert field in messages
    assert published(app, COMMANDS_TOPIC) == 0


def test_intake_text_with_nul_is_422(app: FastAPI) -> None:
    body = filed_complaint(1, description="壶底\x00漏水")
    answer = client_for(app, "adapter").post("/v1/complaints", json=body, headers=key())

    assert answer.status_code == 422
    assert "NUL character" in answer.text
    assert published(app, INTAKE_TOPIC) == 0


def test_the_openapi_document_declares_the_bearer_scheme_and_the_413(app: FastAPI) -> None:
    document = client_for(app, None).get("/openapi.json").json()

    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path != "/healthz":
                assert {"bearer": []} in operation.get("security", []), (method, path)
            if method == "post":
                assert "413" in operation["responses"], (method, path)


@pytest.mark.parametrize(
    "query",
    [
        "/v1/cases?filed_from=0.9",
        "/v1/cases?filed_to=1700000000",
        "/v1/cases?filed_from=2026-03-01T09:00:00",  # no offset
        "/v1/cases/{case}?as_of=0",
        "/v1/sla/daily?from=0&to=1",
        "/v1/sla/daily?from=2026-03-01T00:00:00%2B00:00&to=2026-03-02",
    ],
)
def test_a_time_or_day_not_written_as_the_schema_says_is_422(app: FastAPI, query: str) -> None:
    # The schema asks for RFC 3339 texts and 'YYYY-MM-DD' days; pydantic alone would read
    # a number as seconds since 1970 (schemathesis found 0.9 taken as a filing time).
    url = query.replace("{case}", str(uuid.uuid4()))
    answer = client_for(app, "handler").get(url)

    assert answer.status_code == 422, answer.text
