"""A ``ComplaintFiled`` stored by the version-1 code, on the real stack.

The row is written into PostgreSQL with the store's recorder, byte for byte as
the version-1 code wrote it (``upcast_support``); today's code then works the
case, the relay publishes it to Kafka, the read models are rebuilt from the
topic and the API answers from them. Every reader sees ``ComplaintFiled`` v3:
the replayed case, the message on the topic (valid against
``schemas/events/ComplaintFiled.v3.json``, no personal data in clear), the
case summary, the API's case view; and ``audit verify`` passes on the store,
the topic and their comparison.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

import psycopg
import pytest
from fastapi import FastAPI
from psycopg import sql
from psycopg.rows import dict_row
from typer.testing import CliRunner

from api_support import api_tokens, client_for
from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.api.app import create_app
from complaint_events.application.cases import ComplaintCases
from complaint_events.audit.sources import read_topic
from complaint_events.bootstrap import build_cases
from complaint_events.cli.audit_cmd import audit_app
from complaint_events.contracts.events import ComplaintFiledV3, is_sealed
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.contracts.translator import from_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.projections.case_summary import CaseSummary
from complaint_events.settings import Settings
from stack_support import publish_and_project
from upcast_support import (
    ADDRESS,
    DESCRIPTION,
    NAME,
    PERSONAL,
    PHONE,
    RECORDED,
    V1_HASH,
    check_against_schema,
    write_v1_case,
)

pytestmark = pytest.mark.integration


@dataclass
class World:
    settings: Settings
    cases: ComplaintCases
    case_id: UUID
    app: FastAPI

    def messages(self) -> list[bytes]:
        topic = self.settings.topic(EVENTS_TOPIC)
        found = read_topic(KafkaClients(self.settings), topic, self.case_id)
        return [m.value for m in found if m.value is not None]


@pytest.fixture
def world(stack_settings: Settings) -> Iterator[World]:
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    case_id = write_v1_case(cases)
    later = Acting("handler:h-1", RECORDED + timedelta(hours=2), reason="upcast test")
    cases.act(
        case_id,
        lambda c: c.acknowledge(notification_id="n-1", language="zh", soothing=True, by=later),
    )
    publish_and_project(stack_settings, cases)
    app = create_app(stack_settings, tokens=api_tokens())
    try:
        yield World(stack_settings, cases, case_id, app)
    finally:
        app.state.bus.close()
        app.state.db.close()
        app.state.cases.close()
        cases.close()


def test_every_reader_sees_the_current_version(world: World) -> None:
    # Replay: the case as the store gives it today.
    case = world.cases.get_case(world.case_id)
    assert is_sealed(case.contact)
    assert is_sealed(case.description)
    assert case.filed_distressed is True
    assert world.cases.description_of(case) == DESCRIPTION

    # The topic: ComplaintFiled v3, valid against its committed schema, sealed.
    values = world.messages()
    assert len(values) == 2
    filed = from_json_bytes(values[0])
    assert (filed.event_type, filed.schema_version) == ("ComplaintFiled", 3)
    payload = filed.typed_payload()
    assert isinstance(payload, ComplaintFiledV3)
    assert payload.upcast_from is not None
    assert (payload.upcast_from.schema_version, payload.upcast_from.hash) == (1, V1_HASH)
    check_against_schema(json.loads(values[0]))
    for personal in PERSONAL:
        assert personal.encode() not in values[0]
    assert from_json_bytes(values[1]).previous_hash == V1_HASH  # chained to the stored form

    # The read model, built from the topic.
    with psycopg.connect(world.settings.postgres_dsn, row_factory=dict_row) as conn:
        table = CaseSummary().tables[0].identifier
        row = conn.execute(
            sql.SQL("SELECT * FROM {} WHERE case_id = %s").format(table),
            (world.case_id,),
        ).fetchone()
    assert row is not None
    assert (row["merchant_id"], row["sku"], row["last_sequence"]) == ("m-1", "SKU-KETTLE-1", 2)
    assert row["acknowledged_at"] is not None

    # The API's case view, from the read models: the contact opens with the key.
    body = client_for(world.app, "handler").get(f"/v1/cases/{world.case_id}").json()
    assert body["contact"] == {
        "name": NAME,
        "phone": PHONE,
        "email": None,
        "address": ADDRESS,
        "erased": False,
    }
    timeline = client_for(world.app, "auditor").get(f"/v1/cases/{world.case_id}/timeline")
    first: dict[str, Any] = timeline.json()["entries"][0]
    assert first["event_type"] == "ComplaintFiled"
    assert first["payload"]["distress"] is True


def test_audit_verify_passes_on_the_store_and_the_topic(world: World) -> None:
    result = CliRunner().invoke(
        audit_app,
        [
            "verify",
            str(world.case_id),
            "--json",
            "--store",
            "postgres",
            "--postgres",
            world.settings.postgres_dsn,
            "--kafka",
            world.settings.kafka_bootstrap,
        ],
        env={"COMPLAINTS_TOPIC_PREFIX": world.settings.topic_prefix},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["ok"] is True
    assert report["sources"]["store"]["events"] == report["sources"]["topic"]["events"] == 2
    assert report["not_yet_on_topic"] == 0
