"""``scripts/devstack kafka-tool``: Kafka's own console tools against the stack's broker.

The tools are run as a developer types them, without ``--bootstrap-server``:
devstack adds the running broker's address. A topic the test creates with the
Python client must show in ``kafka-topics --list``, and a message sent with
``kafka-console-producer`` must come back from ``kafka-console-consumer``.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

pytestmark = pytest.mark.e2e

DEVSTACK = str(Path(__file__).resolve().parents[2] / "scripts" / "devstack")


def kafka_tool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``scripts/devstack kafka-tool ARGS``; the first call may fetch the tools' jar."""
    return subprocess.run(
        [DEVSTACK, "kafka-tool", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )


@pytest.fixture
def topic(kafka_bootstrap: str) -> Iterator[str]:
    """A one-partition topic of this test, created with the Python client, deleted after."""
    name = f"kafka-tool-e2e-{uuid.uuid4().hex[:12]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    try:
        admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1)])
        yield name
        admin.delete_topics([name])
    finally:
        admin.close()


def test_kafka_topics_lists_a_topic_the_test_created(topic: str) -> None:
    listed = kafka_tool("kafka-topics", "--list")

    assert listed.returncode == 0, listed.stderr
    assert topic in listed.stdout.splitlines(), listed.stdout


def test_the_console_consumer_reads_what_the_console_producer_sent(topic: str) -> None:
    line = f"case-1:投诉 {uuid.uuid4()}"
    sent = kafka_tool(
        *("kafka-console-producer", "--topic", topic),
        *("--reader-property", "parse.key=true", "--reader-property", "key.separator=:"),
        stdin=line + "\n",
    )
    assert sent.returncode == 0, sent.stderr

    read = kafka_tool(
        *("kafka-console-consumer", "--topic", topic, "--from-beginning"),
        *("--max-messages", "1", "--timeout-ms", "60000"),
        *("--formatter-property", "print.key=true"),
    )

    assert read.returncode == 0, read.stderr
    assert read.stdout.splitlines() == [line.replace(":", "\t", 1)], (read.stdout, read.stderr)


def test_help_and_an_unknown_name_list_the_tools() -> None:
    shown = kafka_tool("--help")
    unknown = kafka_tool("kafka-nonsense")

    assert shown.returncode == 0
    assert unknown.returncode == 2
    assert "unknown kafka tool 'kafka-nonsense'" in unknown.stderr
    for name in (
        "kafka-topics",
        "kafka-console-consumer",
        "kafka-console-producer",
        "kafka-consumer-groups",
        "kafka-get-offsets",
    ):
        assert f"  {name} " in shown.stdout
        assert f"  {name} " in unknown.stderr
