"""The demo's closing commands: paths as typed, settings quoted for the shell, one line each."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from complaint_events.api.auth import hash_token
from complaint_events.demo.hand_off import API_PRINCIPAL, HandOff, as_typed, write_api_token

CASE = UUID("eb803ddf-3d76-592b-a36a-4066fb30f8b5")
STACK_ENV = {
    "COMPLAINTS_STORE": "postgres",
    "COMPLAINTS_POSTGRES_DSN": "user=postgres dbname=complaints_demo_1 host=127.0.0.1",
    "COMPLAINTS_TOPIC_PREFIX": "demo-1.",
}


def hand_off(**given: object) -> HandOff:
    fields: dict[str, object] = {
        "executable": ".venv/bin/complaint-events",
        "env": {
            "COMPLAINTS_STORE": "sqlite",
            "COMPLAINTS_SQLITE_PATH": "demo-output/events.sqlite",
        },
        "case_id": CASE,
        "token": "tok",
        "tokens_file": "demo-output/api-tokens.json",
        "port": 8080,
        **given,
    }
    return HandOff(**fields)  # type: ignore[arg-type]


def test_settings_given_on_each_line_point_every_command_at_the_store() -> None:
    commands = [line for line in hand_off().lines() if " .venv/bin/complaint-events " in line]
    assert len(commands) == 4
    for line in commands:
        words = shlex.split(line)
        assert words[:2] == [
            "COMPLAINTS_STORE=sqlite",
            "COMPLAINTS_SQLITE_PATH=demo-output/events.sqlite",
        ]
    assert any(line.endswith(f"case show {CASE}") for line in commands)
    assert any(line.endswith(f"audit verify {CASE}") for line in commands)
    assert any("COMPLAINTS_API_TOKENS_FILE=demo-output/api-tokens.json" in c for c in commands)


def test_one_export_line_with_every_value_quoted_points_the_shell_at_a_stack_run() -> None:
    lines = hand_off(env=STACK_ENV, inline=False).lines()
    (export,) = [line for line in lines if line.startswith("export ")]
    assert shlex.split(export)[1:] == [f"{name}={value}" for name, value in STACK_ENV.items()]
    assert "\n" not in export
    assert f".venv/bin/complaint-events case show {CASE}" in lines
    assert not any("api serve" in line for line in lines)


def test_the_request_reads_the_case_as_it_stood_when_there_are_no_read_models() -> None:
    ended = datetime(2026, 4, 4, 19, 52, tzinfo=UTC)
    curl = hand_off(as_of=ended).lines()[-1]
    assert shlex.split(curl) == [
        "curl",
        "-s",
        "-H",
        "Authorization: Bearer tok",
        f"http://127.0.0.1:8080/v1/cases/{CASE}?as_of=2026-04-04T19:52:00Z",
    ]


def test_the_console_is_named_where_the_api_serves_it() -> None:
    lines = hand_off(port=8123).lines()
    (console,) = [line for line in lines if "/console/" in line]
    assert console.startswith("# ")
    assert "http://127.0.0.1:8123/console/" in console
    api = next(i for i, line in enumerate(lines) if " api --port 8123" in line)
    assert lines.index(console) == api + 1


def test_paths_are_written_as_typed_from_the_current_folder(tmp_path: Path) -> None:
    assert as_typed(tmp_path / "demo-output" / "events.sqlite", tmp_path) == (
        "demo-output/events.sqlite"
    )
    assert as_typed(Path("/elsewhere/events.sqlite"), tmp_path) == "/elsewhere/events.sqlite"


def test_the_api_token_file_holds_only_the_tokens_hash(tmp_path: Path) -> None:
    (tmp_path / "api-tokens.json").write_text("{}")  # a previous run's, replaced
    path, token = write_api_token(tmp_path)
    assert json.loads(path.read_text()) == {hash_token(token): API_PRINCIPAL}
    assert path.stat().st_mode & 0o777 == 0o600
