"""The audit commands as an auditor runs them, against the real PostgreSQL and Kafka."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest

from audit_support import chained_case
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.settings import Settings

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).parent / "complaint-events")
UNKNOWN = "00000000-0000-0000-0000-000000000001"


@dataclass
class Installation:
    env: dict[str, str]
    case_ids: list[UUID]

    def run(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CLI, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={**self.env, **env},
        )


@pytest.fixture
def installation(stack_settings: Settings) -> Installation:
    """Two worked cases in the event store, relayed to the events topic."""
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    ids = [chained_case(cases, n) for n in (1, 2)]
    relay = build_relay(stack_settings, cases)
    relay.start()
    while relay.run_once():
        pass
    relay.producer.close()
    cases.close()
    return Installation(
        {
            "PATH": str(Path(CLI).parent),
            "COLUMNS": "200",
            # The secrets these cases' keys were wrapped with (tests/conftest.py).
            "COMPLAINTS_SECRETS_FILE": os.environ["COMPLAINTS_SECRETS_FILE"],
            "COMPLAINTS_STORE": "postgres",
            "COMPLAINTS_POSTGRES_DSN": stack_settings.postgres_dsn,
            "COMPLAINTS_KAFKA_BOOTSTRAP": stack_settings.kafka_bootstrap,
            "COMPLAINTS_TOPIC_PREFIX": stack_settings.topic_prefix,
        },
        ids,
    )


def test_audit_commands_on_an_unknown_or_malformed_case_say_so(
    installation: Installation,
) -> None:
    for command in ("history", "verify", "export"):
        unknown = installation.run("audit", command, UNKNOWN)
        assert unknown.returncode == 2, (command, unknown.stdout, unknown.stderr)
        assert f"no complaint case with id {UNKNOWN}" in unknown.stderr
        malformed = installation.run("audit", command, "case-42")
        assert malformed.returncode == 2
        assert "not a case id: 'case-42'" in malformed.stderr
    shown = installation.run("case", "show", UNKNOWN)
    assert shown.returncode == 2
    assert f"no complaint case with id {UNKNOWN}" in shown.stderr


def test_history_says_who_when_what_and_why(installation: Installation) -> None:
    result = installation.run("audit", "history", str(installation.case_ids[0]))
    assert result.returncode == 0, result.stderr
    for text in ("LiabilityDetermined", "handler:h1", "2026-03-01 10:00:00", "the seal leaks"):
        assert text in result.stdout, text
    assert "消费者权益保护法 Art. 24" in result.stdout


def test_the_store_and_the_topic_verify(installation: Installation) -> None:
    one = installation.run("audit", "verify", str(installation.case_ids[0]))
    assert one.returncode == 0, one.stdout + one.stderr
    assert "chain head: event 5" in one.stdout
    every = installation.run("audit", "verify", "--all", "--json")
    assert every.returncode == 0, every.stdout + every.stderr
    report = json.loads(every.stdout)
    assert report["ok"] is True
    assert report["sources"]["store"] == {"cases": 2, "events": 10, "bad_cases": 0}
    assert report["sources"]["topic"] == {"cases": 2, "events": 10, "bad_cases": 0}
    usage = installation.run("audit", "verify")
    assert usage.returncode == 2
    assert "give exactly one of CASE, --all or --file" in usage.stderr


def test_an_exported_dossier_verifies_offline_and_an_edit_is_named(
    installation: Installation, tmp_path: Path
) -> None:
    case_id = installation.case_ids[1]
    dossier = tmp_path / "dossier.json"
    exported = installation.run("audit", "export", str(case_id), "--out", str(dossier))
    assert exported.returncode == 0, exported.stderr
    assert f"wrote {dossier}: 5 event(s) of case {case_id}" in exported.stderr
    offline = {  # nothing to reach: the dossier needs neither PostgreSQL nor Kafka
        "COMPLAINTS_POSTGRES_DSN": "postgresql://nobody@127.0.0.1:9/none",
        "COMPLAINTS_KAFKA_BOOTSTRAP": "127.0.0.1:9",
    }
    good = installation.run("audit", "verify", "--file", str(dossier), **offline)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "OK: no event altered, removed, reordered or inserted" in good.stdout

    document = json.loads(dossier.read_text(encoding="utf-8"))
    document["events"][3]["payload"]["party"] = "consumer"
    dossier.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
    bad = installation.run("audit", "verify", "--file", str(dossier), **offline)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert f"FIRST BAD EVENT: case {case_id}, event 4: altered" in bad.stdout

    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    unreadable = installation.run("audit", "verify", "--file", str(garbage), **offline)
    assert unreadable.returncode == 2
    assert "cannot read the dossier" in unreadable.stderr


def test_a_case_shown_as_of_before_its_decision_is_undecided(installation: Installation) -> None:
    case_id = str(installation.case_ids[0])
    before = installation.run("case", "show", case_id, "--as-of", "2026-03-01T09:59:59Z")
    assert before.returncode == 0, before.stderr
    assert "verifying" in before.stdout
    assert "liability_determined" not in before.stdout
    after = installation.run("case", "show", case_id, "--as-of", "2026-03-01T10:00:00Z")
    assert "liability_determined" in after.stdout
    assert "party=merchant" in after.stdout
    too_early = installation.run("case", "show", case_id, "--as-of", "2026-02-01")
    assert too_early.returncode == 1
    assert "was not yet filed" in too_early.stderr
    malformed = installation.run("case", "show", case_id, "--as-of", "yesterday")
    assert malformed.returncode == 2
    assert "not a timestamp" in malformed.stderr
