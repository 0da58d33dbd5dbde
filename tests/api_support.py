"""Helpers shared by the HTTP API tests (write side and read side).

    from api_support import ROLE_PRINCIPALS, client_for, api_tokens, token_for

    app = create_app(settings, clock=clock, tokens=api_tokens())
    handler = client_for(app, "handler")          # the role's default principal (handler:h-7)
    other = client_for(app, "consumer:c-2")       # or any principal "role:id"
    anonymous = client_for(app, None)             # no Authorization header (expect 401)
    headers = {"Authorization": f"Bearer {token_for('merchant:m-1')}"}

Tokens are deterministic (``token_for(principal)``); ``api_tokens(*extra)`` is a
registry holding every principal of :data:`PRINCIPALS` plus ``extra``. The
default principal of each role is :data:`ROLE_PRINCIPALS`; the consumer and
merchant of a case filed with :func:`filed_complaint` are ``consumer:c-1`` and
``merchant:m-1`` (``consumer:c-2`` / ``merchant:m-2`` are the "someone else").

    case_id = open_case(app, filed_complaint(3))  # POST as adapter, file it with the
                                                  # intake processor; the case now exists
    with app_with_a_case(admin_dsn, bootstrap) as (app, case_id): ...
                                                  # an app on a database and topics of its
                                                  # own, one case filed (module fixtures)
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from fastapi import FastAPI
from fastapi.testclient import TestClient

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.api.app import create_app
from complaint_events.api.auth import TokenRegistry, hash_token
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.processing.intake_processor import IntakeProcessor
from complaint_events.processing.messages import Incoming
from complaint_events.settings import Settings
from database_support import fresh_stack_settings, stack_database
from stack_support import read_topic

ROLE_PRINCIPALS: Final = {
    "handler": "handler:h-7",
    "auditor": "auditor:a-1",
    "adapter": "adapter:web",
    "consumer": "consumer:c-1",
    "merchant": "merchant:m-1",
}
PRINCIPALS: Final = (*ROLE_PRINCIPALS.values(), "consumer:c-2", "merchant:m-2")


def token_for(principal: str) -> str:
    """The bearer token of ``principal`` in :func:`api_tokens`."""
    return f"test-token-{principal}"


def api_tokens(*extra: str) -> TokenRegistry:
    """A registry with every principal of PRINCIPALS and ``extra``, hashed as configured."""
    return TokenRegistry({hash_token(token_for(p)): p for p in (*PRINCIPALS, *extra)})


def client_for(app: FastAPI, who: str | None) -> TestClient:
    """A test client calling as ``who``: a role name, a principal ``role:id``, or None."""
    if who is None:
        return TestClient(app)
    principal = who if ":" in who else ROLE_PRINCIPALS[who]
    return TestClient(app, headers={"Authorization": f"Bearer {token_for(principal)}"})


def filed_complaint(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid intake body (channel web) for consumer:c-1 against merchant:m-1."""
    body: dict[str, Any] = {
        "channel": "web",
        "channel_ref": f"web-{n}",
        "received_at": "2026-03-01T08:00:00+00:00",
        "consumer": {"consumer_id": "c-1", "name": "林小明", "phone": "18312342807"},
        "order_id": f"o-{n}",
        "merchant_id": "m-1",
        "sku": f"sku-{n}",
        "product_name": "电热水壶",
        "purchase_date": "2026-02-20",
        "delivered_on": "2026-02-22",
        "price": "199.90",
        "description": "壶底漏水",
        "evidence": [{"kind": "photo", "uri": f"s3://evidence/{n}.jpg"}],
        "demand": "refund",
        "category": "quality_defect",
    }
    return {**body, **changes}


def open_case(app: FastAPI, body: dict[str, Any]) -> UUID:
    """File ``body`` through the API (as the adapter) and the intake processor; its case id."""
    answer = client_for(app, "adapter").post(
        "/v1/complaints", json=body, headers={"Idempotency-Key": f"open-{uuid.uuid4()}"}
    )
    assert answer.status_code == 202, answer.text
    settings: Settings = app.state.settings
    messages = read_topic(settings.kafka_bootstrap, settings.topic(INTAKE_TOPIC))
    report = IntakeProcessor(app.state.cases, app.state.clock).process(
        [Incoming(value=value, key=key.encode()) for key, _, value in messages]
    )
    assert not report.dead_letters, report.dead_letters
    case_id = UUID(answer.json()["case_id"])
    app.state.cases.get_case(case_id)  # it exists now
    return case_id


@contextmanager
def stack_app(settings: Settings) -> Iterator[FastAPI]:
    """The API on the stack's database and topics of ``settings`` (topics made first), at
    2026-03-01 09:00 UTC, with the test tokens; its bus and pool closed afterwards."""
    ensure_topics(settings)
    app = create_app(
        settings, clock=SimulatedClock(datetime(2026, 3, 1, 9, tzinfo=UTC)), tokens=api_tokens()
    )
    try:
        yield app
    finally:
        app.state.bus.close()
        app.state.db.close()


@contextmanager
def app_with_a_case(admin_dsn: str, kafka_bootstrap: str) -> Iterator[tuple[FastAPI, UUID]]:
    """The API on a fresh database and topic prefix of the stack, at 2026-03-01 09:00 UTC,
    with ``filed_complaint(1)`` filed; closed afterwards."""
    with (
        stack_database(admin_dsn) as dsn,
        stack_app(fresh_stack_settings(dsn, kafka_bootstrap)) as app,
    ):
        yield app, open_case(app, filed_complaint(1))
