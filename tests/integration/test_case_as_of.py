"""A case as it stood at an instant, read back from PostgreSQL: before and after the decision."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import typer
from typer.testing import CliRunner

from audit_support import chained_case
from complaint_events.bootstrap import build_cases
from complaint_events.cli.case_show_cmd import case_show
from complaint_events.cli.case_view import case_state
from complaint_events.settings import Settings
from stack_support import T0

pytestmark = pytest.mark.integration

DECIDED_AT = T0 + timedelta(hours=2)  # liability determined (see audit_support.chained_case)


def show(postgres_dsn: str, *args: str) -> dict[str, object]:
    cli = typer.Typer()
    cli.command()(case_show)
    result = CliRunner().invoke(
        cli, [*args, "--json", "--store", "postgres", "--postgres", postgres_dsn]
    )
    assert result.exit_code == 0, result.output
    shown: dict[str, object] = json.loads(result.output)
    return shown


def test_a_case_read_as_of_before_its_decision_is_undecided(postgres_dsn: str) -> None:
    cases = build_cases(Settings(store="postgres", postgres_dsn=postgres_dsn))
    case_id = chained_case(cases)

    before = cases.case_as_of(case_id, DECIDED_AT - timedelta(seconds=1))
    assert before is not None
    assert before.liability is None
    assert before.status == "verifying"
    after = cases.case_as_of(case_id, DECIDED_AT)
    assert after is not None
    assert after.liability is not None
    assert after.liability["party"] == "merchant"
    assert case_state(after, contact=cases.contact_of(after))["status"] == "liability_determined"
    assert cases.case_as_of(case_id, T0 - timedelta(seconds=1)) is None

    earlier = show(postgres_dsn, str(case_id), "--as-of", "2026-03-01T09:59:59Z")
    assert earlier["as_of"] == "2026-03-01T09:59:59+00:00"
    assert earlier["status"] == "verifying"
    assert earlier["liability"] is None
    assert earlier["remedy"] is None
    deadlines = {d["kind"]: d["state"] for d in earlier["deadlines"]}  # type: ignore[attr-defined]
    assert deadlines == {"acknowledgement": "met"}

    # 18:00 in Beijing is 10:00 UTC: the decision stands; the remedy (11:00 UTC) does not yet.
    later = show(postgres_dsn, str(case_id), "--as-of", "2026-03-01T18:00:00+08:00")
    assert later["status"] == "liability_determined"
    assert later["liability"]["rule_refs"] == ["消费者权益保护法 Art. 24"]  # type: ignore[index]
    assert later["remedy"] is None

    now = show(postgres_dsn, str(case_id))
    assert now["as_of"] == "now"
    assert now["status"] == "remedy_offered"
    assert now["remedy"]["kind"] == "return_and_refund"  # type: ignore[index]
    assert {d["kind"]: d["state"] for d in now["deadlines"]}["remedy_answer"] == "open"  # type: ignore[attr-defined]
    assert now["contact"]["phone"] == "183****2807"  # type: ignore[index]
    cases.close()
