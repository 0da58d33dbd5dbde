"""The HTTP API: ``create_app(settings)`` wires the routes to adapters built once.

The adapters come from the composition root (:mod:`complaint_events.bootstrap`),
which chooses them for the configured store.

``app.state`` holds what the routes depend on (see :mod:`complaint_events.api.deps`):
``settings``, ``clock``, ``tokens`` (:class:`TokenRegistry`), ``bus`` (Kafka),
``cases`` (the event store), ``db`` (a PostgreSQL pool for the read models;
``None`` in embedded mode), ``idempotency``, ``issued`` and ``results`` (the
API's own records and the command processor's outcomes). Tests pass their own
clock, bus or tokens; everything else follows from the settings.

``/healthz`` and ``/metrics`` (:mod:`complaint_events.api.metrics_route`) need
no token; ``/metrics`` is not in the OpenAPI document, nor is the handler
console under ``/console/`` (:mod:`complaint_events.console`), which signs in
with the same tokens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Final

from fastapi import Depends, FastAPI
from pydantic import BaseModel

from complaint_events import __version__
from complaint_events.api.auth import TokenRegistry
from complaint_events.api.body_limit import BodyLimit
from complaint_events.api.bus import Bus, KafkaBus
from complaint_events.api.docs_page import add_docs_pages
from complaint_events.api.metrics_route import add_metrics
from complaint_events.api.problems import answers
from complaint_events.api.routes_command_status import router as command_status_router
from complaint_events.api.routes_handler_actions import router as handler_actions_router
from complaint_events.api.routes_intake import router as intake_router
from complaint_events.api.routes_party_actions import router as party_actions_router
from complaint_events.api.routes_queries import router as queries_router
from complaint_events.api.routes_suggestions import router as suggestions_router
from complaint_events.api.strict_query import strict_query
from complaint_events.bootstrap import build_api_records, build_cases
from complaint_events.clock import Clock, clock_from_spec
from complaint_events.console.app_part import add_console
from complaint_events.settings import Settings

DESCRIPTION = """\
The complaint workflow over HTTP. Send `Authorization: Bearer <token>`; a token
maps to `consumer:<id>`, `merchant:<id>`, `handler:<id>`, `auditor:<id>` or
`adapter:<id>`. Actions are published as commands and answered `202` with the
command id; `GET /v1/commands/{id}` gives the outcome. A case the caller may not
see answers `404`, like an unknown one.
"""


# Answers every route may give besides its own, with the body actually sent.
COMMON_RESPONSES: Final = answers(401, 413)


class Health(BaseModel):
    """The API process is up (it does not check Kafka or PostgreSQL)."""

    status: str
    version: str


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    bus: Bus | None = None,
    tokens: TokenRegistry | None = None,
) -> FastAPI:
    """The FastAPI application on the configured backends."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.bus.close()
        if app.state.db is not None:
            app.state.db.close()

    app = FastAPI(
        title="complaint-events",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=COMMON_RESPONSES,
        dependencies=[Depends(strict_query)],
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or clock_from_spec(settings.clock)
    app.state.tokens = tokens or TokenRegistry.from_config(
        settings.api_tokens, settings.api_tokens_file
    )
    app.state.bus = bus or KafkaBus(settings)
    app.state.cases = build_cases(settings)
    records = build_api_records(settings)
    app.state.db = records.db
    app.state.idempotency = records.idempotency
    app.state.issued = records.issued
    app.state.results = records.results

    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    add_docs_pages(app)
    add_metrics(app)  # outermost: a request refused for its size is counted too

    @app.get("/healthz", tags=["health"], summary="Is the API up?")
    def healthz() -> Health:
        return Health(status="ok", version=__version__)

    for router in (
        intake_router,
        handler_actions_router,
        suggestions_router,
        party_actions_router,
        command_status_router,
        queries_router,
    ):
        app.include_router(router)
    add_console(app)
    return app
