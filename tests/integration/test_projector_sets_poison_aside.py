"""A case event that a projection cannot apply is set aside; the read models go on (issue 13).

Before, an event holding a NUL character (PostgreSQL text cannot) failed the
timeline insert, the projector retried the same batch forever and all five
read models stopped.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from kafka import KafkaProducer

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.contracts.dead_letters import read_context
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC, EVENTS_TOPIC
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.positions import Target
from complaint_events.projections.projector import Projector
from complaint_events.settings import Settings
from stack_support import file_cases, read_topic
from waiting import wait_until

pytestmark = pytest.mark.integration


def relay_all(settings: Settings, cases: object) -> None:
    relay = build_relay(settings, cases)  # type: ignore[arg-type]
    relay.start()
    while relay.run_once():
        pass
    relay.close()


def poisoned_copy(message: bytes) -> tuple[bytes, bytes, str]:
    """A ComplaintFiled of a new case whose product name holds U+0000 (valid for the
    event's contract, which does not bound what the store wrote; PostgreSQL text
    cannot hold it). The description, once the example, is sealed since v3."""
    envelope = json.loads(message)
    case_id, event_id = str(uuid.uuid4()), str(uuid.uuid4())
    envelope.update(case_id=case_id, event_id=event_id)
    envelope["payload"]["product_name"] = "电热\u0000水壶"
    return case_id.encode(), json.dumps(envelope, ensure_ascii=False).encode(), event_id


def test_an_event_a_projection_cannot_apply_is_dead_lettered_and_the_rest_projected(
    stack_settings: Settings,
) -> None:
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    events_topic = stack_settings.topic(EVENTS_TOPIC)
    before = file_cases(cases, 0, 5)
    relay_all(stack_settings, cases)
    filed = next(
        value
        for _, headers, value in read_topic(stack_settings.kafka_bootstrap, events_topic)
        if headers["event_type"] == b"ComplaintFiled"
    )
    key, poison, poison_id = poisoned_copy(filed)
    producer = KafkaProducer(bootstrap_servers=stack_settings.kafka_bootstrap)
    producer.send(events_topic, key=key, value=poison).get(timeout=30)
    producer.close()
    after = file_cases(cases, 5, 5)
    relay_all(stack_settings, cases)

    projector = Projector(
        stack_settings.postgres_dsn,
        KafkaClients(stack_settings),
        events_topic,
        [Target.live(p) for p in ALL_PROJECTIONS],
        dead_letter_topic=stack_settings.topic(EVENTS_DLQ_TOPIC),
        batch_size=1000,
    )
    projector.start()
    try:
        wait_until(
            lambda: projector.run_once(timeout_ms=200) == 0 and projector.caught_up(),
            timeout=60,
            what="the projector to catch up past the poisoned event",
        )
    finally:
        projector.close()

    with psycopg.connect(stack_settings.postgres_dsn) as conn:
        query = "SELECT case_id FROM read_models.case_summary"
        summarised = {row[0] for row in conn.execute(query).fetchall()}
    assert {*before, *after} <= summarised
    letters = read_topic(stack_settings.kafka_bootstrap, stack_settings.topic(EVENTS_DLQ_TOPIC))
    assert letters, "the poisoned event was not dead-lettered"
    assert {value for _, _, value in letters} == {poison}
    reasons = [read_context(list(headers.items()))["dlq_reason"] for _, headers, _ in letters]
    assert all(poison_id in reason and "ComplaintFiled" in reason for reason in reasons)
    assert projector.stats.dead_lettered == len(letters)
