"""A ``ComplaintFiled`` exactly as the code of schema version 1 stored it, for upcasting tests.

Before contacts and descriptions were sealed (commit 1b308c9 and until 273951f),
``ComplaintCases`` stored the filing with the contact as a plain record and the
description as a plain string, no ``distress``, and chained it with the hash of
its version-1 envelope. :func:`write_v1_case` writes that row with the store's
own recorder (SQLite or PostgreSQL), byte for byte as that code did: the topic,
the JSON state with eventsourcing's type markers, the meta with the hash.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from jsonschema import Draft202012Validator

from complaint_events.application.cases import ComplaintCases
from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.events import ComplaintFiledV1
from complaint_events.contracts.hash_chain import GENESIS_HASH, event_hash
from complaint_events.domain.case import ComplaintCase

SCHEMAS: Final = Path(__file__).resolve().parents[1] / "schemas"
FILED_TOPIC: Final = "complaint_events.domain.case:ComplaintCase.ComplaintFiled"

RECEIVED: Final = datetime(2025, 1, 6, 9, 30, tzinfo=UTC)
RECORDED: Final = datetime(2025, 1, 6, 9, 31, tzinfo=UTC)
NAME: Final = "王秀英"
PHONE: Final = "13912345678"
ADDRESS: Final = "杭州市西湖区文三路88号"
DESCRIPTION: Final = "电水壶漏电，孩子被电到了，非常害怕"  # reads as distressed
CONSUMER: Final = "c-v1-era"
CHANNEL_REF: Final = "web-v1-0001"
CASE_ID: Final = ComplaintCase.create_id("web", CHANNEL_REF)
PERSONAL: Final = (NAME, PHONE, ADDRESS, DESCRIPTION)


def _when(moment: datetime) -> dict[str, str]:
    return {"_type_": "datetime_iso", "_data_": moment.isoformat()}


def v1_attributes() -> dict[str, Any]:
    """The filing's attributes as the version-1 code recorded them (no ``distress``)."""
    return {
        "channel": "web",
        "channel_ref": CHANNEL_REF,
        "received_at": RECEIVED,
        "consumer_id": CONSUMER,
        "contact": {"name": NAME, "phone": PHONE, "email": None, "address": ADDRESS},
        "order_id": "O-v1-1",
        "merchant_id": "m-1",
        "sku": "SKU-KETTLE-1",
        "product_name": "电水壶",
        "product_spec": "1.7L",
        "product_type": None,
        "purchase_date": None,
        "delivered_on": None,
        "price": "129.00",
        "quantity": 1,
        "description": DESCRIPTION,
        "evidence": [{"kind": "photo", "uri": "s3://evidence/v1-kettle.jpg"}],
        "demand": "refund",
        "category": "quality_defect",
        "safety_flags": ["electric_shock"],
        "language": "zh",
        "problem_key": "5f0c3b1de2a4c6e8f0a2b4c6d8e0f2a4",
        "acknowledgement_deadline": {
            "deadline_id": "acknowledgement@1",
            "kind": "acknowledgement",
            "started_at": RECORDED,
            "due_at": datetime(2025, 1, 7, 9, 31, tzinfo=UTC),
            "remind_at": None,
            "state": "open",
        },
    }


def v1_envelope() -> dict[str, Any]:
    """The version-1 envelope (JSON form) that code published and hashed."""
    payload = ComplaintFiledV1.model_validate(v1_attributes()).model_dump(mode="json")
    return {
        "event_id": str(event_id_for(CASE_ID, 1)),
        "event_type": "ComplaintFiled",
        "schema_version": 1,
        "case_id": str(CASE_ID),
        "sequence": 1,
        "occurred_at": payload["received_at"],
        "recorded_at": "2025-01-06T09:31:00Z",
        "correlation_id": "corr-v1",
        "causation_id": None,
        "actor": "adapter:web",
        "reason": None,
        "payload": payload,
        "previous_hash": GENESIS_HASH,
    }


V1_HASH: Final = event_hash(v1_envelope())
"""The hash the version-1 code stored in the filing's meta."""


def v1_stored_event() -> StoredEvent:
    """The row: topic and JSON state as eventsourcing's transcoder wrote them then."""
    attributes = v1_attributes()
    deadline = attributes["acknowledgement_deadline"]
    state = {
        "timestamp": _when(RECORDED),
        "originator_topic": "complaint_events.domain.case:ComplaintCase",
        **attributes,
        "received_at": _when(RECEIVED),
        "price": {"_type_": "decimal_str", "_data_": "129.00"},
        "acknowledgement_deadline": {
            **deadline,
            "started_at": _when(deadline["started_at"]),
            "due_at": _when(deadline["due_at"]),
        },
        "meta": {
            "actor": "adapter:web",
            "correlation_id": "corr-v1",
            "causation_id": None,
            "reason": None,
            "previous_hash": GENESIS_HASH,
            "hash": V1_HASH,
        },
    }
    return StoredEvent(
        originator_id=CASE_ID,
        originator_version=1,
        topic=FILED_TOPIC,
        state=json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8"),
    )


def write_v1_case(cases: ComplaintCases) -> UUID:
    """Store the version-1 filing through the store's own recorder; the case's id."""
    cases.recorder.insert_events([v1_stored_event()])
    return CASE_ID


def check_against_schema(document: dict[str, Any]) -> None:
    """The published payload validates against the committed schema of its version."""
    name = f"{document['event_type']}.v{document['schema_version']}.json"
    schema = json.loads((SCHEMAS / "events" / name).read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(
        document["payload"]
    )
