"""Every write of case events goes through the chain: filing, duplicates, commands, retries."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest

from audit_support import IN_MEMORY, chained_case, documents, handler
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.command_ledger import CaseCommand
from complaint_events.application.sku_alerts import record_alert
from complaint_events.audit.verify import verify_chain
from complaint_events.bootstrap import open_cases
from complaint_events.contracts.hash_chain import GENESIS_HASH
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.values import Channel
from complaint_events.processing.batch_window import RaiseBatchAlert
from stack_support import T0, complaint


@pytest.fixture
def cases() -> Iterator[ComplaintCases]:
    app = open_cases(env=IN_MEMORY)
    yield app
    app.close()


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def acknowledge(case: ComplaintCase, hours: float = 1) -> None:
    case.acknowledge(notification_id="n", language="zh", soothing=False, by=handler(hours))


def test_a_duplicate_from_another_channel_is_chained_onto_the_first_case(
    cases: ComplaintCases,
) -> None:
    first = cases.file_complaint(complaint(1), Acting("adapter:web", T0))
    again = dataclasses.replace(complaint(1), channel=Channel.HOTLINE, channel_ref="tel-1")
    outcome = cases.file_complaints([(again, Acting("adapter:hotline", T0))])[0]
    assert outcome.case_id == first.case_id
    docs = documents(cases, first.case_id)
    assert [d["event_type"] for d in docs] == ["ComplaintFiled", "DuplicateSubmissionRecorded"]
    assert verify_chain(docs).ok


def test_commands_on_many_cases_in_one_transaction_are_chained(cases: ComplaintCases) -> None:
    filed = cases.file_complaints([(complaint(n), Acting("adapter:web", T0)) for n in range(3)])
    ids = [o.case_id for o in filed]

    def ack(command_id: str) -> Callable[[ComplaintCase], None]:
        by = Acting("system:ack", T0 + timedelta(hours=1), causation_id=command_id)
        return lambda c: c.acknowledge(notification_id="n", language="zh", soothing=False, by=by)

    def escalate(c: ComplaintCase) -> None:
        c.escalate("slow", 1, Acting("handler:h1", T0 + timedelta(hours=2), causation_id="esc"))

    commands = [CaseCommand(f"ack-{i}", case_id, ack(f"ack-{i}")) for i, case_id in enumerate(ids)]
    commands.append(CaseCommand("esc", ids[0], escalate))
    cases.apply_commands(commands)
    again = cases.apply_commands(commands)  # delivered again: recognised, nothing new recorded
    assert all(o.repeated for o in again)
    for case_id in ids:
        assert verify_chain(documents(cases, case_id)).ok
    assert len(documents(cases, ids[0])) == 3


def test_another_process_continues_the_chain_from_the_store(tmp_path: Path) -> None:
    one = open_cases(sqlite_env(tmp_path / "events.sqlite"))
    case_id = chained_case(one)
    two = open_cases(sqlite_env(tmp_path / "events.sqlite"))
    two.act(case_id, lambda c: c.escalate("audit", 1, handler(9)))
    one.act(case_id, lambda c: c.escalate("again", 2, handler(10)))  # its remembered head is stale
    docs = documents(one, case_id)
    assert len(docs) == 7
    assert verify_chain(docs).ok
    one.close()
    two.close()


def test_a_concurrent_write_retried_keeps_one_chain(tmp_path: Path) -> None:
    one = open_cases(sqlite_env(tmp_path / "events.sqlite"))
    two = open_cases(sqlite_env(tmp_path / "events.sqlite"))
    case_id = one.file_complaint(complaint(1), Acting("adapter:web", T0)).case_id
    interfered: list[bool] = []

    def command(case: ComplaintCase) -> None:
        if not interfered:  # another writer gets in first, once
            interfered.append(True)
            two.act(case_id, acknowledge)
        case.escalate("slow", 1, handler(3))

    one.act(case_id, command)
    docs = documents(one, case_id)
    assert [d["event_type"] for d in docs] == [
        "ComplaintFiled",
        "AcknowledgementSent",
        "CaseEscalated",
    ]
    assert verify_chain(docs).ok
    one.close()
    two.close()


def test_two_events_of_one_command_get_their_own_hashes(cases: ComplaintCases) -> None:
    docs = documents(cases, chained_case(cases))
    hashes = [d["hash"] for d in docs]
    assert len(set(hashes)) == len(hashes)
    assert docs[0]["previous_hash"] == GENESIS_HASH


def test_only_case_events_are_chained(cases: ComplaintCases) -> None:
    ids = [
        o.case_id
        for o in cases.file_complaints(
            [(complaint(n), Acting("adapter:web", T0)) for n in range(2)]
        )
    ]
    decision = RaiseBatchAlert(
        alert_id="a-1",
        sku="SKU-1",
        case_ids=tuple(ids),
        raised_at=T0,
        threshold=2,
        window=timedelta(days=7),
    )
    record_alert(cases, decision, Acting("system:batch-quality", T0))
    chained: dict[str, bool] = {}
    for notification in cases.recorder.select_notifications(start=1, limit=100):
        meta = json.loads(notification.state).get("meta") or {}
        chained[notification.topic.rsplit(":", 1)[1]] = "hash" in meta
    assert chained["ComplaintCase.ComplaintFiled"] is True
    assert chained["ProblemIndex.ProblemIndexed"] is False
    assert not any(v for k, v in chained.items() if k.startswith("SkuQuality"))
    assert isinstance(ids[0], UUID)
