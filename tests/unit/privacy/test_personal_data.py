"""Crypto-shredding: the contact sealed under the consumer's key, unreadable once it is erased."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from audit_support import IN_MEMORY, handler
from complaint_events.adapters.consumer_keys import SQLiteConsumerKeys
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.erasure import ErasureRefusedError, erase_consumer
from complaint_events.application.in_process_ports import InMemoryConsumerKeys
from complaint_events.application.personal_data import open_contact, seal_contact
from complaint_events.application.ports import ConsumerKeys
from complaint_events.audit.sources import store_case_ids, verify_store
from complaint_events.bootstrap import open_cases
from complaint_events.cli.case_view import case_state
from complaint_events.contracts.events import ComplaintFiledV3, is_sealed_contact
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import Contact
from complaint_events.domain.masking import ERASED, mask_contact
from complaint_events.domain.retention import ANY_TIME, erasure_allowed_from
from complaint_events.domain.values import ResolutionCode
from stack_support import T0, complaint

CONTACT = Contact("林小明", "18312342807", "lin@example.com", "杭州市西湖区文三路88号")
RETENTION = timedelta(days=1095)


@pytest.fixture
def cases() -> Iterator[ComplaintCases]:
    app = open_cases(env=IN_MEMORY)
    yield app
    app.close()


def closed_case(cases: ComplaintCases, n: int = 1) -> UUID:
    case_id = cases.file_complaint(complaint(n), Acting("adapter:web", T0)).case_id
    cases.act(
        case_id,
        lambda c: c.close(ResolutionCode.WITHDRAWN, "withdrawn", handler(1), cases.policy),
    )
    return case_id


# ------------------------------------------------------------------ sealing


def test_a_sealed_contact_opens_with_its_consumers_key_and_holds_no_plaintext() -> None:
    keys = InMemoryConsumerKeys()
    sealed = seal_contact(CONTACT, "c-1", keys.get_or_create("c-1")).to_record()
    assert set(sealed) == {"sealed", "key_id", "nonce", "ciphertext"}
    assert sealed["sealed"] == "v1"
    assert sealed["key_id"] == "c-1"
    text = json.dumps(sealed, ensure_ascii=False)
    for value in ("林小明", "18312342807", "lin@example.com", "文三路88号"):
        assert value not in text
    assert open_contact(sealed, keys) == CONTACT


def test_sealing_twice_gives_two_ciphertexts() -> None:
    key = InMemoryConsumerKeys().get_or_create("c-1")
    assert seal_contact(CONTACT, "c-1", key) != seal_contact(CONTACT, "c-1", key)


def test_a_record_moved_to_another_consumer_does_not_open() -> None:
    # The consumer id is the associated data: a record relabelled for consumer c-2,
    # even with c-1's key under c-2's name, fails authentication.
    keys = InMemoryConsumerKeys()
    key = keys.get_or_create("c-1")
    sealed = seal_contact(CONTACT, "c-1", key).to_record()

    class SameKeyForAll(InMemoryConsumerKeys):
        def get(self, consumer_id: str) -> bytes | None:
            return key

    assert open_contact({**sealed, "key_id": "c-2"}, SameKeyForAll()) is None


def test_an_erased_key_leaves_nothing_to_open() -> None:
    keys = InMemoryConsumerKeys()
    sealed = seal_contact(CONTACT, "c-1", keys.get_or_create("c-1")).to_record()
    assert keys.erase("c-1", T0) is True
    assert keys.get("c-1") is None
    assert open_contact(sealed, keys) is None
    # Filing again gives the consumer a new key; the old record stays unreadable.
    fresh = keys.get_or_create("c-1")
    assert fresh is not None
    assert open_contact(sealed, keys) is None
    assert open_contact(seal_contact(CONTACT, "c-1", fresh).to_record(), keys) == CONTACT


def test_a_plaintext_contact_of_an_older_event_reads_as_it_is() -> None:
    assert open_contact(CONTACT.to_record(), InMemoryConsumerKeys()) == CONTACT


def test_an_unknown_sealing_form_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sealing form"):
        open_contact({"sealed": "v9", "key_id": "c-1"}, InMemoryConsumerKeys())


@pytest.mark.parametrize("kind", ["memory", "sqlite"])
def test_key_stores_create_once_and_erase(kind: str, tmp_path: Path) -> None:
    keys: ConsumerKeys
    if kind == "memory":
        keys = InMemoryConsumerKeys()
    else:
        app = open_cases(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "e")}
        )
        assert isinstance(app.keys, SQLiteConsumerKeys)
        keys = app.keys
    first = keys.get_or_create("c-1")
    assert len(first) == 32
    assert keys.get_or_create_many(["c-1", "c-2", "c-1"])["c-1"] == first
    assert keys.get("c-2") is not None
    assert keys.get("c-3") is None
    assert keys.erase("c-1", T0, {"actor": "handler:h1"}) is True
    assert keys.get("c-1") is None
    assert keys.get("c-2") is not None
    assert keys.erase("c-1", T0) is False
    erasures = keys.erasures("c-1")
    assert [e.erased_at for e in erasures] == [T0, T0]
    assert erasures[0].details == {"actor": "handler:h1"}


def test_the_in_memory_event_store_gets_in_memory_keys() -> None:
    app = ComplaintCases(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    assert isinstance(app.keys, InMemoryConsumerKeys)
    assert isinstance(
        open_cases(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).keys, InMemoryConsumerKeys
    )


# ------------------------------------------------------------------- filing


def test_a_filed_case_stores_and_publishes_only_the_sealed_contact_and_description(
    cases: ComplaintCases,
) -> None:
    said = "我是林小明，电话18312342807，壶底漏水，气死我了"
    details = replace(complaint(1), description=said)
    case_id = cases.file_complaint(details, Acting("adapter:web", T0)).case_id
    case = cases.get_case(case_id)
    assert is_sealed_contact(case.contact)
    filed = cases.history(case_id)[0]
    envelope = to_envelope(filed)
    assert envelope.schema_version == ComplaintFiledV3.schema_version
    payload = envelope.typed_payload()
    assert isinstance(payload, ComplaintFiledV3)
    assert payload.distress  # judged on the clear text before it was sealed
    published = to_json_bytes(envelope)
    for personal in (details.contact.name, "18312342807", "林小明", "壶底漏水"):
        assert personal.encode() not in published
    assert cases.contact_of(case) == details.contact
    assert cases.description_of(case) == said
    cases.keys.erase(details.consumer_id, T0)
    assert cases.description_of(cases.get_case(case_id)) is None


def test_a_case_filed_in_the_domain_with_plaintext_is_published_as_v1() -> None:
    # Events stored before sealing keep the form (and the hash) they were stored with.
    case = ComplaintCase.file(complaint(1), Acting("adapter:web", T0), ComplaintCases().policy)
    envelope = to_envelope(case.collect_events()[0])
    assert envelope.schema_version == 1
    assert envelope.payload["contact"]["phone"] == "18312342807"


# ------------------------------------------------------------------ erasure


def test_retention_runs_from_the_last_closing_and_waits_for_open_cases() -> None:
    later = T0 + timedelta(days=10)
    assert erasure_allowed_from([T0, later], RETENTION) == later + RETENTION
    assert erasure_allowed_from([T0, None], RETENTION) is None
    assert erasure_allowed_from([], RETENTION) == ANY_TIME


def test_erasure_is_refused_within_the_retention_period_and_names_the_date(
    cases: ComplaintCases,
) -> None:
    closed_case(cases)
    closed_at = T0 + timedelta(hours=1)
    with pytest.raises(ErasureRefusedError) as refused:
        erase_consumer(cases, "c-1", closed_at + RETENTION - timedelta(seconds=1), RETENTION)
    assert refused.value.allowed_from == closed_at + RETENTION
    assert (closed_at + RETENTION).isoformat() in str(refused.value)
    assert cases.keys.get("c-1") is not None


def test_erasure_is_refused_while_a_case_is_open(cases: ComplaintCases) -> None:
    case_id = cases.file_complaint(complaint(1), Acting("adapter:web", T0)).case_id
    with pytest.raises(ErasureRefusedError, match="not closed yet") as refused:
        erase_consumer(cases, "c-1", T0 + 10 * RETENTION, RETENTION)
    assert refused.value.open_cases == (case_id,)


def test_after_the_retention_period_erasure_shreds_the_contact_and_keeps_the_history(
    cases: ComplaintCases,
) -> None:
    case_id = closed_case(cases)
    other = closed_case(cases, 2)
    before = [to_envelope(e) for e in cases.history(case_id)]

    outcome = erase_consumer(cases, "c-1", T0 + timedelta(hours=1) + RETENTION, RETENTION)

    assert outcome.case_ids == (case_id,)
    assert outcome.key_destroyed
    assert not outcome.forced
    case = cases.get_case(case_id)
    assert cases.contact_of(case) is None
    assert [to_envelope(e) for e in cases.history(case_id)] == before
    assert case.status == "closed"
    report = verify_store(cases, store_case_ids(cases))
    assert report.ok
    assert report.checked == 4
    shown = case_state(case, contact=cases.contact_of(case))
    assert shown["contact"] == dict.fromkeys(("name", "phone", "email", "address"), ERASED)
    assert mask_contact(cases.contact_of(case), return_needed=True).name == ERASED
    # Another consumer's data is untouched.
    assert cases.contact_of(cases.get_case(other)) == complaint(2).contact
    [erasure] = cases.keys.erasures("c-1")
    assert erasure.details["case_ids"] == [str(case_id)]
    assert erasure.details["forced"] is False


def test_a_forced_erasure_is_allowed_early_and_logged_loudly(
    cases: ComplaintCases, caplog: pytest.LogCaptureFixture
) -> None:
    case_id = cases.file_complaint(complaint(1), Acting("adapter:web", T0)).case_id
    outcome = erase_consumer(cases, "c-1", T0, RETENTION, force=True, actor="legal:order-7")
    assert outcome.forced
    assert cases.contact_of(cases.get_case(case_id)) is None
    assert "FORCED erasure" in caplog.text
    assert cases.keys.erasures("c-1")[0].details["actor"] == "legal:order-7"


def test_erasure_times_are_aware() -> None:
    assert ANY_TIME.tzinfo is UTC
    assert datetime.now(UTC) > ANY_TIME
