"""``complaint-events adapters``: the email, hotline, chat and social channel adapters.

The web form is the HTTP API's intake endpoint; these are the other channels of
docs/architecture.md ("Who uses it"), reading inbox folders and writing outbox folders.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from complaint_events.cli.options import KAFKA, setting_options, settings_of
from complaint_events.cli.stopping import stop_on_signals
from complaint_events.clock import clock_from_spec
from complaint_events.consumers.channels.folders import FOLDERS
from complaint_events.consumers.channels.lead_store import LeadNotFoundError, LeadStatus, LeadStore
from complaint_events.consumers.channels.outcomes import Rejected
from complaint_events.consumers.channels.runner import ChannelAdapter, build_producer
from complaint_events.consumers.channels.social import intake_from_lead
from complaint_events.contracts.topology import INTAKE_TOPIC
from complaint_events.domain.values import Demand, ProblemCategory

adapters_app = typer.Typer(
    help="Channel adapters: email, hotline, chat, social (the web form is the HTTP API).",
    no_args_is_help=True,
)
leads_app = typer.Typer(
    help="Social-media and review leads: complaint-like posts a handler confirms.",
    no_args_is_help=True,
)
adapters_app.add_typer(leads_app, name="leads")
console = Console()
err = Console(stderr=True)


class ChannelName(StrEnum):
    """The adapters ``adapters run`` can start."""

    EMAIL = "email"
    HOTLINE = "hotline"
    CHAT = "chat"
    SOCIAL = "social"


LeadsOpt = Annotated[
    Path,
    typer.Option(
        "--leads",
        envvar="COMPLAINTS_SOCIAL_LEADS",
        help="The social leads file \\[env COMPLAINTS_SOCIAL_LEADS].",
    ),
]
_DEFAULT_LEADS = Path("social-leads.json")


@adapters_app.command("run")
@setting_options(KAFKA)
def run(
    ctx: typer.Context,
    channel: Annotated[ChannelName, typer.Argument(help="Which adapter to run.")],
    inbox: Annotated[Path, typer.Option(help="Folder to read (email: a Maildir).")],
    outbox: Annotated[Path, typer.Option(help="Folder replies are written to.")],
    state: Annotated[
        Path | None,
        typer.Option(help="Reply threads and stored evidence (default: INBOX/adapter-state)."),
    ] = None,
    once: Annotated[bool, typer.Option("--once", help="Handle what is there, then exit.")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between inbox polls.", min=0.1)] = 2.0,
    leads: LeadsOpt = _DEFAULT_LEADS,
) -> None:
    """Inbox files -> complaints.intake.v1 (rejects -> complaints.intake.dlq.v1); the channel's
    notifications from notifications.outbound.v1 -> outbox files."""
    settings = settings_of(ctx)
    adapter = ChannelAdapter(
        FOLDERS[channel.value],
        settings,
        inbox=inbox,
        outbox=outbox,
        state=state or inbox / "adapter-state",
        clock=clock_from_spec(settings.clock),
        leads=LeadStore(leads) if channel is ChannelName.SOCIAL else None,
        report=console.print,
    )
    stop = stop_on_signals(f"adapter {channel}", "stopping")
    console.print(
        f"adapter {channel}: inbox {inbox}, outbox {outbox}" + (" (once)" if once else "")
    )
    try:
        stats = adapter.run(once=once, poll_seconds=poll, stop=stop)
    except RuntimeError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    console.print(
        f"adapter {channel}: {stats.files} files, {stats.published} published, "
        f"{stats.dead_lettered} dead-lettered, {stats.leads} new leads, {stats.ignored} ignored; "
        f"{stats.delivered} notifications delivered, {stats.undeliverable} undeliverable"
    )


@leads_app.command("list")
def leads_list(
    status: Annotated[
        str | None, typer.Option(help="Only leads with this status: open, confirmed, dismissed.")
    ] = "open",
    all_leads: Annotated[bool, typer.Option("--all", help="Every lead, whatever its status.")] = (
        False
    ),
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    leads: LeadsOpt = _DEFAULT_LEADS,
) -> None:
    """List leads (open ones by default), oldest post first."""
    wanted: LeadStatus | None = None if all_leads else status  # type: ignore[assignment]
    found = LeadStore(leads).list(wanted)
    if as_json:
        for lead in found:
            typer.echo(lead.model_dump_json())
        return
    table = Table("lead", "status", "posted", "author", "cues", "text", title=f"{len(found)} leads")
    for lead in found:
        flag = "[red]! [/]" if lead.urgent else ""
        table.add_row(
            flag + lead.lead_id,
            lead.status,
            f"{lead.posted_at:%Y-%m-%d %H:%M}",
            f"{lead.platform}:@{lead.author_handle}",
            ", ".join(lead.cues),
            lead.text[:60],
        )
    console.print(table)


@leads_app.command("confirm")
@setting_options(KAFKA)
def leads_confirm(
    ctx: typer.Context,
    lead_id: Annotated[str, typer.Argument(help="The lead to confirm.")],
    order: Annotated[str | None, typer.Option("--order", help="Order id.")] = None,
    merchant: Annotated[str | None, typer.Option("--merchant", help="Merchant id.")] = None,
    sku: Annotated[str | None, typer.Option("--sku", help="SKU.")] = None,
    product: Annotated[str | None, typer.Option("--product", help="Product name.")] = None,
    price: Annotated[str | None, typer.Option("--price", help="Unit price paid.")] = None,
    demand: Annotated[Demand | None, typer.Option(help="Default: read from the post.")] = None,
    category: Annotated[
        ProblemCategory | None, typer.Option(help="Default: the lead's suggestion.")
    ] = None,
    by: Annotated[str, typer.Option("--by", help="Who confirms (handler id).")] = "handler",
    leads: LeadsOpt = _DEFAULT_LEADS,
) -> None:
    """Turn a lead into an intake message on complaints.intake.v1 (a case opens from it)."""
    store = LeadStore(leads)
    try:
        lead = store.get(lead_id)
    except LeadNotFoundError:
        err.print(f"[red]no lead {lead_id!r}[/] (see 'complaint-events adapters leads list')")
        raise typer.Exit(1) from None
    if lead.status != "open":
        err.print(f"[red]lead {lead_id} is already {lead.status}[/] by {lead.decided_by}")
        raise typer.Exit(1)
    facts = {
        "order_id": order,
        "merchant_id": merchant,
        "sku": sku,
        "product_name": product,
        "price": price,
    }
    outcome = intake_from_lead(lead, facts=facts, demand=demand, category=category)
    if isinstance(outcome, Rejected):
        err.print(f"[red]cannot confirm {lead_id}[/]: {outcome.reason}")
        for problem in outcome.errors:
            err.print(f"  {problem['field']}: {problem['message']}")
        raise typer.Exit(1)
    settings = settings_of(ctx)
    producer = build_producer(settings, "social")
    try:
        message = outcome.message
        producer.send(
            settings.topic(INTAKE_TOPIC),
            key=message.kafka_key(),
            value=message.model_dump_json().encode("utf-8"),
            headers=[
                ("adapter", b"social"),
                ("schema_version", b"1"),
                ("confirmed_by", by.encode()),
            ],
        ).get(timeout=30)
    finally:
        producer.close()
    store.decide(lead_id, "confirmed", by, clock_from_spec(settings.clock).now())
    console.print(
        f"lead {lead_id} confirmed by {by}: intake {message.channel}:{message.channel_ref} "
        f"published ({message.category}, {message.demand})"
    )


@leads_app.command("dismiss")
def leads_dismiss(
    ctx: typer.Context,
    lead_id: Annotated[str, typer.Argument(help="The lead to dismiss.")],
    by: Annotated[str, typer.Option("--by", help="Who dismisses (handler id).")] = "handler",
    leads: LeadsOpt = _DEFAULT_LEADS,
) -> None:
    """Record that a lead is not a complaint to open a case for."""
    try:
        lead = LeadStore(leads).decide(
            lead_id, "dismissed", by, clock_from_spec(settings_of(ctx).clock).now()
        )
    except LeadNotFoundError:
        err.print(f"[red]no lead {lead_id!r}[/]")
        raise typer.Exit(1) from None
    console.print(json.dumps({"lead_id": lead.lead_id, "status": lead.status}))
