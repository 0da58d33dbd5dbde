"""The AsyncAPI document: every topic and message, valid AsyncAPI 3, checked like the schemas."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from complaint_events import relay
from complaint_events.adapters.kafka_topics import TOPIC_CONFIGS
from complaint_events.cli.schemas_cmd import repo_root, schemas_app
from complaint_events.contracts import asyncapi, topology
from complaint_events.contracts.commands import (
    ALL_COMMAND_MODELS,
    COMMAND_PAYLOADS,
    CommandEnvelopeV1,
    CommandResultV1,
)
from complaint_events.contracts.envelope import EventEnvelope, kafka_headers
from complaint_events.contracts.events import ALL_EVENT_MODELS, EVENT_PAYLOADS
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.contracts.schema_files import messages

REPO_SCHEMAS = repo_root(Path(__file__).parent) / "schemas"
COMPONENT_KEY = re.compile(r"^[\w\d.\-_]+$")  # AsyncAPI 3.0 components' key pattern
REGENERATE = "run `complaint-events schemas generate`"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    return asyncapi.build_document()


def resolve(doc: dict[str, Any], ref: str) -> Any:
    """Follow an internal JSON pointer (``#/a/b``), as an AsyncAPI tool would."""
    assert ref.startswith("#/"), ref
    target: Any = doc
    for escaped in ref[2:].split("/"):
        part = escaped.replace("~1", "/").replace("~0", "~")
        assert isinstance(target, dict), ref
        assert part in target, f"{ref} does not resolve (no {part!r})"
        target = target[part]
    return target


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [r for value in node.values() for r in refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in refs(value)]
    return []


def channel_by_address(doc: dict[str, Any], address: str) -> dict[str, Any]:
    found = [c for c in doc["channels"].values() if c["address"] == address]
    assert len(found) == 1, address
    channel: dict[str, Any] = found[0]
    return channel


def channel_messages(doc: dict[str, Any], address: str) -> list[dict[str, Any]]:
    channel = channel_by_address(doc, address)
    return [resolve(doc, m["$ref"]) for m in channel["messages"].values()]


def schema_file(doc: dict[str, Any], schema_ref: dict[str, Any]) -> str:
    """The JSON Schema file (relative to schemas/) a components.schemas reference names."""
    target = resolve(doc, schema_ref["$ref"])
    ref: str = target["$ref"]
    assert ref.startswith("./"), ref
    return ref.removeprefix("./")


# -------------------------------------------------------------- committed file


def test_the_committed_document_matches_the_code() -> None:
    assert asyncapi.check(REPO_SCHEMAS) == []


def test_the_document_is_deterministic_and_round_trips_through_yaml(
    doc: dict[str, Any],
) -> None:
    text = asyncapi.to_text(doc)
    assert text == asyncapi.to_text(asyncapi.build_document())
    assert yaml.safe_load(text) == doc
    assert list(doc) == [
        "asyncapi",
        "info",
        "defaultContentType",
        "servers",
        "channels",
        "operations",
        "components",
    ]


# ---------------------------------------------------------------- completeness


def test_every_topic_is_a_channel(doc: dict[str, Any]) -> None:
    published = {
        topology.INTAKE_TOPIC,
        topology.INTAKE_DLQ_TOPIC,
        topology.EVENTS_TOPIC,
        topology.EVENTS_DLQ_TOPIC,
        topology.COMMANDS_TOPIC,
        topology.COMMANDS_DLQ_TOPIC,
        topology.COMMAND_RESULTS_TOPIC,
        topology.NOTIFICATIONS_TOPIC,
    }
    # The topics `topics create` makes: every one the workers use, the internal one too.
    assert {*published, topology.BY_SKU_TOPIC} == set(TOPIC_CONFIGS)
    addresses = [c["address"] for c in doc["channels"].values()]
    assert sorted(addresses) == sorted({*published, topology.BY_SKU_TOPIC})
    by_sku = channel_by_address(doc, topology.BY_SKU_TOPIC)
    assert by_sku["x-internal"] is True
    assert "internal" in by_sku["description"].lower()
    assert all("x-internal" not in channel_by_address(doc, a) for a in published)


def test_every_event_type_and_version_is_a_message_of_the_events_channel(
    doc: dict[str, Any],
) -> None:
    carried = channel_messages(doc, topology.EVENTS_TOPIC)
    seen = {
        (m["name"], m["payload"]["allOf"][1]["properties"]["schema_version"]["const"])
        for m in carried
    }
    assert seen == {(m.event_type, m.schema_version) for m in ALL_EVENT_MODELS}
    assert set(EVENT_PAYLOADS) <= {name for name, _ in seen}
    for model in ALL_EVENT_MODELS:
        message = resolve(doc, f"#/components/messages/{asyncapi.event_message_id(model)}")
        envelope, specific = message["payload"]["allOf"]
        assert schema_file(doc, envelope) == "envelope/EventEnvelope.v1.json"
        assert specific["properties"]["event_type"] == {"const": model.event_type}
        assert (
            schema_file(doc, specific["properties"]["payload"])
            == f"events/{model.event_type}.v{model.schema_version}.json"
        )
        headers = message["headers"]["properties"]
        assert headers["event_type"]["const"] == model.event_type
        assert headers["schema_version"]["const"] == str(model.schema_version)
        assert message["bindings"]["kafka"]["key"]["format"] == "uuid"


def test_event_headers_are_what_the_relay_writes(doc: dict[str, Any]) -> None:
    envelope = EventEnvelope.model_validate(
        {
            "event_id": "00000000-0000-0000-0000-000000000001",
            "event_type": "CaseAssigned",
            "schema_version": 1,
            "case_id": "00000000-0000-0000-0000-000000000002",
            "sequence": 3,
            "occurred_at": "2024-05-01T08:00:00+08:00",
            "recorded_at": "2024-05-01T08:00:00+08:00",
            "correlation_id": None,
            "causation_id": None,
            "actor": "system:router",
            "reason": None,
            "payload": {"handler": "h-2"},
        }
    )
    written = {name for name, _ in kafka_headers(envelope)} | {relay.NOTIFICATION_HEADER}
    for message in channel_messages(doc, topology.EVENTS_TOPIC):
        assert set(message["headers"]["properties"]) == written
        assert set(message["headers"]["required"]) == written


def test_every_command_type_and_version_is_a_message_of_the_commands_channel(
    doc: dict[str, Any],
) -> None:
    carried = channel_messages(doc, topology.COMMANDS_TOPIC)
    assert {m["name"] for m in carried} == set(COMMAND_PAYLOADS)
    assert len(carried) == len(ALL_COMMAND_MODELS)
    files = {m.model: m.relative_path for m in messages()}
    for model in ALL_COMMAND_MODELS:
        message = resolve(doc, f"#/components/messages/{asyncapi.command_message_id(model)}")
        envelope, specific = message["payload"]["allOf"]
        assert schema_file(doc, envelope) == files[CommandEnvelopeV1]
        assert specific["properties"]["command_type"] == {"const": model.command_type}
        assert specific["properties"]["schema_version"] == {"const": model.schema_version}
        assert schema_file(doc, specific["properties"]["payload"]) == files[model]


@pytest.mark.parametrize(
    ("topic", "model", "key"),
    [
        (topology.INTAKE_TOPIC, IntakeMessageV1, "channel_ref"),
        (topology.COMMAND_RESULTS_TOPIC, CommandResultV1, "command id"),
        (topology.NOTIFICATIONS_TOPIC, NotificationV1, "case id"),
    ],
)
def test_single_message_topics(doc: dict[str, Any], topic: str, model: type, key: str) -> None:
    (message,) = channel_messages(doc, topic)
    files = {m.model: m.relative_path for m in messages()}
    assert schema_file(doc, message["payload"]) == files[model]
    assert key in message["bindings"]["kafka"]["key"]["description"]


def test_the_intake_key_pattern_matches_the_contracts_key(doc: dict[str, Any]) -> None:
    (message,) = channel_messages(doc, topology.INTAKE_TOPIC)
    pattern = re.compile(message["bindings"]["kafka"]["key"]["pattern"])
    assert pattern.match("email:msg-42")
    assert not pattern.match("fax:1")


def test_dead_letter_topics_carry_the_original_bytes_and_the_dlq_headers(
    doc: dict[str, Any],
) -> None:
    for topic in (
        topology.INTAKE_DLQ_TOPIC,
        topology.COMMANDS_DLQ_TOPIC,
        topology.EVENTS_DLQ_TOPIC,
    ):
        (message,) = channel_messages(doc, topic)
        assert message["contentType"] == "application/octet-stream"
        headers = message["headers"]
        assert {
            "dlq_reason",
            "dlq_errors",
            "dlq_processor",
            "dlq_source_topic",
            "dlq_source_partition",
            "dlq_source_offset",
            "dlq_failed_at",
        } == set(headers["properties"])
        assert headers["additionalProperties"]["type"] == "string"  # the original headers


def test_every_generated_schema_file_is_a_component(doc: dict[str, Any]) -> None:
    external = {
        r.removeprefix("./") for r in refs(doc["components"]["schemas"]) if r.startswith("./")
    }
    assert external == {m.relative_path for m in messages()}
    assert all((REPO_SCHEMAS / path).is_file() for path in external)


def test_every_channel_has_a_sender_and_a_receiver(doc: dict[str, Any]) -> None:
    for channel_id in doc["channels"]:
        actions = {
            op["action"]
            for op in doc["operations"].values()
            if op["channel"]["$ref"] == f"#/channels/{channel_id}"
        }
        assert actions == {"send", "receive"}, channel_id


def test_every_command_a_processor_sends_is_a_message_the_processor_receives(
    doc: dict[str, Any],
) -> None:
    receiver = doc["operations"]["commandProcessorReceivesCommands"]
    received = {m["$ref"] for m in receiver["messages"]}
    for op in doc["operations"].values():
        if op["channel"]["$ref"] == "#/channels/commands" and op["action"] == "send":
            assert {m["$ref"] for m in op["messages"]} <= received


# ------------------------------------------------------ AsyncAPI 3 essentials


def test_the_document_has_the_asyncapi_3_essentials(doc: dict[str, Any]) -> None:
    assert doc["asyncapi"] == "3.0.0"
    assert set(doc) <= {
        "asyncapi",
        "id",
        "info",
        "servers",
        "defaultContentType",
        "channels",
        "operations",
        "components",
    }
    assert isinstance(doc["info"]["title"], str)
    assert isinstance(doc["info"]["version"], str)
    assert all(s["protocol"] == "kafka" and s["host"] for s in doc["servers"].values())

    for channel_id, channel in doc["channels"].items():
        assert isinstance(channel["address"], str), channel_id
        for key, message in channel["messages"].items():
            assert message == {"$ref": f"#/components/messages/{key}"}

    assert doc["operations"]
    for operation_id, op in doc["operations"].items():
        assert op["action"] in {"send", "receive"}, operation_id
        channel_ref = op["channel"]["$ref"]
        assert set(op["channel"]) == {"$ref"}
        channel = resolve(doc, channel_ref)
        assert op["messages"], operation_id
        for message in op["messages"]:
            # AsyncAPI 3: an operation's messages are the channel's, referenced there.
            assert message["$ref"].startswith(channel_ref + "/messages/"), operation_id
            assert message["$ref"].rsplit("/", 1)[1] in channel["messages"]

    components = doc["components"]
    for section in ("schemas", "messages"):
        assert all(COMPONENT_KEY.match(key) for key in components[section]), section
    for message_id, message in components["messages"].items():
        assert isinstance(message["payload"], dict), message_id
        assert isinstance(message["name"], str), message_id
        if "headers" in message:
            assert message["headers"]["type"] == "object", message_id
        kafka = message["bindings"]["kafka"]
        assert kafka["bindingVersion"] == asyncapi.KAFKA_BINDING_VERSION
        assert isinstance(kafka["key"], dict), message_id


def test_every_reference_resolves(doc: dict[str, Any]) -> None:
    for ref in refs(doc):
        if ref.startswith("#/"):
            resolve(doc, ref)
        else:  # a JSON Schema file beside the document
            assert (REPO_SCHEMAS / ref).is_file(), ref


# --------------------------------------------------------- generate and check


def test_generate_then_check_passes_and_drift_fails(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    generated = CliRunner().invoke(schemas_app, ["generate", "--dir", str(schemas)])
    assert generated.exit_code == 0, generated.output
    assert "asyncapi.yaml" in generated.output
    document = schemas / "asyncapi.yaml"
    assert document.read_text(encoding="utf-8") == (REPO_SCHEMAS / "asyncapi.yaml").read_text(
        encoding="utf-8"
    )
    released = ["--released", str(REPO_SCHEMAS / "released")]  # a fresh folder has no release
    ok = CliRunner().invoke(schemas_app, ["check", "--dir", str(schemas), *released])
    assert ok.exit_code == 0, ok.output

    drifted = document.read_text(encoding="utf-8").replace(
        "address: complaints.intake.v1", "address: complaints.intake.v0"
    )
    document.write_text(drifted, encoding="utf-8")
    assert asyncapi.check(schemas) == [
        f"asyncapi.yaml differs from the code (AsyncAPI document): {REGENERATE}"
    ]
    bad = CliRunner().invoke(schemas_app, ["check", "--dir", str(schemas), *released])
    assert bad.exit_code == 1
    assert "asyncapi.yaml differs from the code" in bad.output
    assert REGENERATE in bad.output

    assert CliRunner().invoke(schemas_app, ["generate", "--dir", str(schemas)]).exit_code == 0
    assert asyncapi.check(schemas) == []


def test_a_missing_document_fails_the_check(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(REPO_SCHEMAS, schemas)
    (schemas / "asyncapi.yaml").unlink()
    result = CliRunner().invoke(schemas_app, ["check", "--dir", str(schemas)])
    assert result.exit_code == 1
    assert f"asyncapi.yaml is missing: {REGENERATE} and commit it" in result.output
