"""``complaint-events case show CASE [--as-of T]``: a case exactly as it stood at an instant.

Read from the event store: the case is rebuilt from its events up to that
instant (``ComplaintCases.case_as_of``). Exit status: 0 shown; 1 the case was
not yet filed at that instant; 2 a usage error or an unknown case.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer

from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.cli.audit_cmd import (
    EXIT_BAD_EVENT,
    EXIT_USAGE,
    CaseArg,
    fail,
    open_cases,
    out,
    parse_case_id,
)
from complaint_events.cli.case_view import case_state, case_tables
from complaint_events.cli.options import POSTGRES, STORE, JsonOpt, setting_options


@setting_options(STORE, POSTGRES)
def case_show(
    ctx: typer.Context,
    case_id: CaseArg,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="An ISO 8601 instant, e.g. 2026-03-01T09:00:00+08:00 (without an offset: "
            "UTC). Default: now.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show a case exactly as it stood at an instant (status, deadlines, liability, remedy, ...)."""
    ident = parse_case_id(case_id)
    at = _instant(as_of) if as_of is not None else None
    cases = open_cases(ctx)
    try:
        case = cases.get_case(ident) if at is None else cases.case_as_of(ident, at)
    except CaseNotFoundError as error:
        fail(str(error), EXIT_USAGE)
    when = at.isoformat() if at is not None else "now"
    if case is None:
        fail(f"case {ident} was not yet filed at {when}", EXIT_BAD_EVENT)
    state = case_state(case, contact=cases.contact_of(case))
    if as_json:
        typer.echo(json.dumps({"as_of": when, **state}, ensure_ascii=False, indent=2))
    else:
        out.print(case_tables(state, when))


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(
            f"not a timestamp: {text!r} (expected ISO 8601, e.g. 2026-03-01T09:00:00+08:00)",
            EXIT_USAGE,
        )
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
