"""Reading cases never creates a SQLite store: a missing file is named, with what to do."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from complaint_events.cli.errors import explain
from complaint_events.cli.main import app
from complaint_events.cli.store_found import StoreNotFoundError, existing_store
from complaint_events.settings import Settings

CASE = "00000000-0000-0000-0000-000000000001"


def test_case_show_on_a_missing_store_names_it_and_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("COMPLAINTS_SQLITE_PATH", raising=False)
    monkeypatch.setenv("COMPLAINTS_STORE", "sqlite")

    result = CliRunner().invoke(app, ["case", "show", CASE])

    assert isinstance(result.exception, StoreNotFoundError), result.output
    message = explain(result.exception)
    assert message is not None
    assert f"no event store at {tmp_path / 'complaints.sqlite'}" in message
    assert "COMPLAINTS_SQLITE_PATH" in message
    assert "\n" not in message
    assert list(tmp_path.iterdir()) == []


def test_the_store_named_by_the_environment_is_the_one_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "demo-output" / "events.sqlite"
    monkeypatch.setenv("COMPLAINTS_STORE", "sqlite")
    monkeypatch.setenv("COMPLAINTS_SQLITE_PATH", str(missing))

    result = CliRunner().invoke(app, ["case", "show", CASE])

    assert isinstance(result.exception, StoreNotFoundError)
    assert result.exception.path == missing
    assert not missing.parent.exists()


def test_an_existing_sqlite_store_and_a_postgres_store_are_let_through(tmp_path: Path) -> None:
    store = tmp_path / "events.sqlite"
    store.touch()
    sqlite = Settings(store="sqlite", sqlite_path=store)
    postgres = Settings(store="postgres", sqlite_path=tmp_path / "not-used.sqlite")

    assert existing_store(sqlite) is sqlite
    assert existing_store(postgres) is postgres
