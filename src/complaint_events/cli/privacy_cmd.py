"""``complaint-events privacy show | erase``: a consumer's personal data, for handlers.

``show`` opens the consumer's sealed contact (in clear: a handler's view, not a
merchant's); ``erase`` destroys their key once the retention period allows it.
Exit status: 0 done; 1 erasure refused (the date it becomes allowed is named);
2 a usage error or an unknown consumer.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from complaint_events.application.erasure import ErasureRefusedError, erase_consumer
from complaint_events.cli.audit_cmd import EXIT_BAD_EVENT, EXIT_USAGE, err, fail, out
from complaint_events.cli.options import POSTGRES, STORE, JsonOpt, setting_options, settings_of
from complaint_events.cli.store_found import open_existing_cases
from complaint_events.clock import clock_from_spec
from complaint_events.domain.masking import ERASED

privacy_app = typer.Typer(
    help="Consumers' personal data: show it (handlers), erase it after the retention period.",
    no_args_is_help=True,
)

ConsumerArg = Annotated[str, typer.Argument(help="The consumer id, as filed.")]


@privacy_app.command("show")
@setting_options(STORE, POSTGRES)
def show(ctx: typer.Context, consumer_id: ConsumerArg, as_json: JsonOpt = False) -> None:
    """Print the consumer's contact in clear (or [erased]) and their cases."""
    cases = open_existing_cases(settings_of(ctx))
    case_ids = cases.case_ids_of_consumer(consumer_id)
    if not case_ids:
        fail(f"no complaint case of consumer {consumer_id!r}", EXIT_USAGE)
    contact = cases.contact_of(cases.get_case(case_ids[-1]))  # the latest filing's contact
    shown = None if contact is None else contact.to_record()
    erasures = [
        {"erased_at": e.erased_at.isoformat(), **e.details}
        for e in cases.keys.erasures(consumer_id)
    ]
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "consumer_id": consumer_id,
                    "contact": shown if shown is not None else ERASED,
                    "case_ids": [str(c) for c in case_ids],
                    "erasures": erasures,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    out.print(f"consumer {consumer_id}", highlight=False)
    if shown is None:
        out.print(f"  contact: {ERASED}", highlight=False, markup=False)
    else:
        for name, value in shown.items():
            out.print(f"  {name}: {value or '—'}", highlight=False, markup=False)
    out.print(f"  cases: {', '.join(map(str, case_ids))}", highlight=False)
    for erasure in erasures:
        out.print(f"  erased: {erasure}", highlight=False, markup=False)


@privacy_app.command("erase")
@setting_options(STORE, POSTGRES)
def erase(
    ctx: typer.Context,
    consumer_id: ConsumerArg,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Erase before the retention period has passed: only for a legal order "
            "or a test. Logged as a forced erasure.",
        ),
    ] = False,
    actor: Annotated[str, typer.Option("--actor", help="Who asks (recorded).")] = "handler",
) -> None:
    """Destroy the consumer's key: their personal data becomes unreadable everywhere.

    Allowed once every case of the consumer has been closed for
    COMPLAINTS_PERSONAL_DATA_RETENTION (default P1095D, about 3 years). Case
    histories, analytics and audit verification are not affected.
    """
    settings = settings_of(ctx)
    cases = open_existing_cases(settings)
    if not cases.case_ids_of_consumer(consumer_id) and cases.keys.get(consumer_id) is None:
        fail(f"no complaint case or key of consumer {consumer_id!r}", EXIT_USAGE)
    now: datetime = clock_from_spec(settings.clock).now()
    if force:
        err.print(
            "[bold red]WARNING[/]: --force erases personal data before the retention period "
            "has passed; use it only for a legal order or a test.",
            highlight=False,
        )
    try:
        outcome = erase_consumer(
            cases, consumer_id, now, settings.personal_data_retention, force=force, actor=actor
        )
    except ErasureRefusedError as refused:
        fail(str(refused), EXIT_BAD_EVENT)
    out.print(
        f"personal data of consumer {consumer_id} erased at {outcome.erased_at.isoformat()}"
        f"{' (FORCED)' if outcome.forced else ''}; cases keep their history: "
        f"{', '.join(map(str, outcome.case_ids)) or 'none'}",
        highlight=False,
    )
