"""``complaint-events api``: run the HTTP API; ``api token ROLE:ID`` makes a bearer token."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console

from complaint_events.cli.options import KAFKA, POSTGRES, STORE, setting_options, settings_of
from complaint_events.cli.store_found import existing_store

api_app = typer.Typer(
    help="The HTTP API: run it, or make a bearer token.",
    invoke_without_command=True,
)
console = Console()
err = Console(stderr=True)


@api_app.callback()
@setting_options(STORE, POSTGRES, KAFKA)
def api(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on \\[env COMPLAINTS_API_HOST].")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help="Port to listen on \\[env COMPLAINTS_API_PORT].")
    ] = None,
) -> None:
    """Run the HTTP API (uvicorn) until Ctrl-C; tokens come from COMPLAINTS_API_TOKENS(_FILE)."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn  # noqa: PLC0415 - only the server needs it

    from complaint_events.api.app import create_app  # noqa: PLC0415
    from complaint_events.observability.json_logs import api_logging_config  # noqa: PLC0415

    settings = existing_store(settings_of(ctx, api_host=host, api_port=port))
    app = create_app(settings)
    if len(app.state.tokens) == 0:
        err.print(
            "[yellow]no API tokens configured[/]: every request will answer 401; "
            "make one with 'complaint-events api token ROLE:ID'"
        )
    log_config = api_logging_config(settings.log_format)
    if log_config is None:
        uvicorn.run(app, host=settings.api_host, port=settings.api_port)
    else:
        uvicorn.run(app, host=settings.api_host, port=settings.api_port, log_config=log_config)


@api_app.command("token")
def token(
    principal: Annotated[
        str,
        typer.Argument(
            help="Who the token is for: consumer:ID, merchant:ID, handler:ID, auditor:ID or "
            "adapter:ID."
        ),
    ],
) -> None:
    """Print a new random token and the entry to add to COMPLAINTS_API_TOKENS.

    Only the token's SHA-256 is configured; the token itself is shown once.
    """
    from complaint_events.api.auth import Principal, hash_token, new_token  # noqa: PLC0415

    try:
        who = Principal.parse(principal)
    except ValueError as error:
        err.print(f"[red]{error}[/]")
        raise typer.Exit(2) from None
    secret = new_token()
    console.print(f"token: {secret}", soft_wrap=True, highlight=False)
    console.print(
        "add to COMPLAINTS_API_TOKENS (a JSON object): "
        + json.dumps({hash_token(secret): f"{who.role.value}:{who.id}"}),
        soft_wrap=True,
        highlight=False,
    )
