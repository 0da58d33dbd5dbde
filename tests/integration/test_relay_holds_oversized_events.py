"""An event too large for a Kafka record is held, not retried forever (issue 13).

Before, a command just under 1 MiB became an event over Kafka's limit, and the
relay retried it forever, blocking every case behind it.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess

import pytest
from kafka.admin import ConfigResource, ConfigResourceType, KafkaAdminClient

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.adapters.relay_quarantine import PostgresQuarantine
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.settings import Settings
from stack_support import T0, complaint, file_cases, read_topic
from worker_support import CLI

pytestmark = pytest.mark.integration


def test_the_relay_holds_an_event_too_large_to_publish_and_goes_on(
    stack_settings: Settings,
) -> None:
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    [huge] = cases.file_complaints(
        [(dataclasses.replace(complaint(0), description="漏" * 400_000), Acting("adapter:web", T0))]
    )
    after = file_cases(cases, 1, 20)
    relay = build_relay(stack_settings, cases)
    relay.start()
    while relay.run_once():
        pass
    relay.close()

    topic = stack_settings.topic(EVENTS_TOPIC)
    on_topic = read_topic(stack_settings.kafka_bootstrap, topic)
    assert {key for key, _, _ in on_topic} == {str(c) for c in after}
    assert len(on_topic) == 3 * len(after)
    [(held, _)] = PostgresQuarantine(stack_settings.postgres_dsn).held(topic)
    assert (held.case_id, held.event_type) == (huge.case_id, "ComplaintFiled")
    assert held.size_bytes > 1_000_000
    assert relay.stats.held == 1

    env = {
        **os.environ,
        "COMPLAINTS_POSTGRES_DSN": stack_settings.postgres_dsn,
        "COMPLAINTS_KAFKA_BOOTSTRAP": stack_settings.kafka_bootstrap,
        "COMPLAINTS_TOPIC_PREFIX": stack_settings.topic_prefix,
    }
    listed = subprocess.run(
        [str(CLI), "relay-held"], env=env, capture_output=True, text=True, timeout=60, check=True
    )
    assert str(huge.case_id) in listed.stdout
    assert "1 event(s) held" in listed.stdout

    # The operator raises the topic's limit and releases it: now it is on the topic.
    admin = KafkaAdminClient(bootstrap_servers=stack_settings.kafka_bootstrap)
    try:
        admin.alter_configs(
            [
                ConfigResource(
                    ConfigResourceType.TOPIC, topic, configs={"max.message.bytes": "4000000"}
                )
            ]
        )
    finally:
        admin.close()
    release = subprocess.run(
        [str(CLI), "relay-held", "--release", str(held.notification_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert release.returncode == 0, release.stderr
    released = read_topic(stack_settings.kafka_bootstrap, topic)
    assert str(huge.case_id) in {key for key, _, _ in released}
    assert PostgresQuarantine(stack_settings.postgres_dsn).held(topic) == []
