"""A ``ComplaintFiled`` stored by the version-1 code, read by today's code on SQLite.

The row is written byte for byte as that code wrote it (``upcast_support``).
Every reader gets the current version: the case replays with its contact and
description sealed and its distress judged; what would be published is
``ComplaintFiled`` v3 and validates against ``schemas/events/ComplaintFiled.v3.json``;
the audit of the store rechecks the stored form and passes, and so does the
chain of the published envelopes, the two copies agreeing. The same story on
PostgreSQL and Kafka, with the relay, the projection and the API, is
``tests/integration/test_upcast_stored_v1.py``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from typer.testing import CliRunner

from complaint_events.application.cases import ComplaintCases
from complaint_events.audit.sources import store_events, verify_store
from complaint_events.audit.verify import cross_check, verify_chain
from complaint_events.bootstrap import build_cases
from complaint_events.cli.audit_cmd import audit_app
from complaint_events.contracts.events import ComplaintFiledV3, is_sealed
from complaint_events.contracts.hash_chain import envelope_document
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import Contact
from complaint_events.settings import Settings
from upcast_support import (
    ADDRESS,
    CONSUMER,
    DESCRIPTION,
    NAME,
    PERSONAL,
    PHONE,
    RECORDED,
    V1_HASH,
    check_against_schema,
    v1_envelope,
    write_v1_case,
)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "events.sqlite"


@pytest.fixture
def cases(store: Path) -> Iterator[ComplaintCases]:
    opened = build_cases(Settings(store="sqlite", sqlite_path=store))
    yield opened
    opened.close()


@pytest.fixture
def case_id(cases: ComplaintCases) -> UUID:
    case_id = write_v1_case(cases)
    # Today's code works the old case: its next event chains to the stored hash.
    later = Acting("handler:h-1", RECORDED + timedelta(hours=2), reason="upcast test")
    cases.act(
        case_id,
        lambda c: c.acknowledge(notification_id="n-1", language="zh", soothing=True, by=later),
    )
    return case_id


def published(cases: ComplaintCases, case_id: UUID) -> list[dict[str, object]]:
    """What the relay publishes: each stored event read by the application, translated."""
    return [envelope_document(to_envelope(e)) for e in cases.history(case_id)]


def test_the_stored_row_is_the_version_1_form(cases: ComplaintCases, case_id: UUID) -> None:
    stored = cases.recorder.select_events(case_id, limit=1)[0]
    state = json.loads(stored.state)
    assert state["contact"]["name"] == NAME  # in clear, as that code stored it
    assert state["description"] == DESCRIPTION
    assert "distress" not in state
    assert state["meta"]["hash"] == V1_HASH
    assert store_events(cases, case_id)[0].envelope == {**v1_envelope(), "hash": V1_HASH}


def test_replay_reads_the_current_version(cases: ComplaintCases, case_id: UUID) -> None:
    case = cases.get_case(case_id)
    assert is_sealed(case.contact)
    assert is_sealed(case.description)
    assert case.filed_distressed is True  # judged on the clear text when upcast
    assert cases.contact_of(case) == Contact(NAME, PHONE, None, ADDRESS)
    assert cases.description_of(case) == DESCRIPTION
    assert case.acknowledged_at is not None  # worked on by today's code after the upcast
    assert cases.keys.get(CONSUMER) is not None  # a consumer of the v1 era gets a key


def test_what_is_published_is_the_current_version_and_its_schema(
    cases: ComplaintCases, case_id: UUID
) -> None:
    filed = to_envelope(cases.history(case_id)[0])
    assert filed.schema_version == ComplaintFiledV3.schema_version
    payload = filed.typed_payload()
    assert isinstance(payload, ComplaintFiledV3)
    assert payload.distress is True
    assert payload.upcast_from is not None
    assert (payload.upcast_from.schema_version, payload.upcast_from.hash) == (1, V1_HASH)
    document = envelope_document(filed)
    check_against_schema(document)
    for personal in PERSONAL:
        assert personal.encode() not in to_json_bytes(filed)
    # Read again (a relay publishing after a crash, a rebuild): the very same bytes.
    assert to_json_bytes(to_envelope(cases.history(case_id)[0])) == to_json_bytes(filed)


def test_the_audit_passes_on_the_store_and_on_what_is_published(
    cases: ComplaintCases, case_id: UUID, store: Path
) -> None:
    store_report = verify_store(cases, [case_id])
    topic_report = verify_chain(published(cases, case_id))
    assert store_report.ok, store_report.problems
    assert topic_report.ok, topic_report.problems
    assert store_report.chains == topic_report.chains  # the stored hashes link both copies
    assert store_report.chains[str(case_id)][0] == V1_HASH
    assert cross_check(store_report, topic_report).problems == ()
    result = CliRunner().invoke(
        audit_app,
        ["verify", str(case_id), "--store", "sqlite", "--no-topic"],
        env={"COMPLAINTS_SQLITE_PATH": str(store)},
    )
    assert result.exit_code == 0, result.output
    assert "OK: no event altered" in result.output


def test_an_altered_upcast_envelope_is_named(cases: ComplaintCases, case_id: UUID) -> None:
    documents = published(cases, case_id)
    payload = documents[0]["payload"]
    assert isinstance(payload, dict)
    payload["price"] = "1.00"
    problem = verify_chain(documents).first_problem
    assert problem is not None
    assert (problem.sequence, problem.kind) == (1, "altered")


def test_an_erased_consumer_s_old_filing_stays_unreadable(
    cases: ComplaintCases, case_id: UUID
) -> None:
    cases.keys.erase(CONSUMER, RECORDED + timedelta(days=1200))
    case = cases.get_case(case_id)
    assert cases.contact_of(case) is None
    assert cases.description_of(case) is None
    filed = to_envelope(cases.history(case_id)[0])
    check_against_schema(envelope_document(filed))
    assert all(p.encode() not in to_json_bytes(filed) for p in PERSONAL)
    assert cases.keys.get(CONSUMER) is None  # reading made no new key
    assert verify_store(cases, [case_id]).ok
