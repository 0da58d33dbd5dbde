"""The composition root chooses every adapter for the store kind, and only it does."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaint_events.adapters.consumer_keys import SQLiteConsumerKeys
from complaint_events.adapters.rejection_ledger import SQLiteRejectionLedger
from complaint_events.api.idempotency import InMemoryIdempotencyStore
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.in_process_ports import (
    InMemoryConsumerKeys,
    InMemoryRejectionLedger,
    ProcessCaseLocks,
)
from complaint_events.bootstrap import build_api_records, build_cases, open_cases
from complaint_events.settings import Settings


def sqlite_env(path: Path) -> dict[str, str]:
    return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}


def test_an_sqlite_store_keeps_its_keys_and_refusals_in_its_file(tmp_path: Path) -> None:
    cases = open_cases(
        sqlite_env(tmp_path / "events.sqlite"),
        key_encryption_key=b"k" * 32,
        pseudonym_key=b"p" * 32,
    )
    assert isinstance(cases.keys, SQLiteConsumerKeys)
    assert isinstance(cases.rejections, SQLiteRejectionLedger)
    assert isinstance(cases.case_locks, ProcessCaseLocks)
    assert cases.pseudonym_key == b"p" * 32
    cases.close()


def test_the_settings_store_kind_chooses_the_adapters(tmp_path: Path) -> None:
    settings = Settings(
        store="sqlite",
        sqlite_path=tmp_path / "events.sqlite",
        secrets_file=tmp_path / "secrets.json",
    )
    cases = build_cases(settings)
    assert isinstance(cases.keys, SQLiteConsumerKeys)
    cases.close()
    records = build_api_records(settings)
    assert records.db is None
    assert isinstance(records.idempotency, InMemoryIdempotencyStore)


def test_the_in_memory_store_keeps_everything_in_the_process() -> None:
    cases = ComplaintCases(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    assert isinstance(cases.keys, InMemoryConsumerKeys)
    assert isinstance(cases.rejections, InMemoryRejectionLedger)


def test_a_store_on_disk_is_not_opened_without_the_adapters_beside_it(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="bootstrap"):
        ComplaintCases(env=sqlite_env(tmp_path / "events.sqlite"))
