"""``GET /metrics``: the API's Prometheus series, and the request counts among them.

No token is asked for (Prometheus scrapes without one), and the route is left out
of the OpenAPI document. The series say nothing about a case, but they do show
the traffic: keep the port off the public network, or let a reverse proxy refuse
``/metrics`` from outside (docs/operations-metrics.md).

Requests are counted by route template (``/v1/cases/{case_id}``), never by the
path a caller sent, so the series stay few whatever the callers ask for.
"""

from __future__ import annotations

import time
from typing import Annotated, Final

from fastapi import FastAPI, Header, Response
from prometheus_client import REGISTRY
from prometheus_client.exposition import choose_encoder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from complaint_events.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

PATH: Final = "/metrics"
UNMATCHED: Final = "unmatched"  # the route of a request no route took (404, 405)


def add_metrics(app: FastAPI) -> None:
    """Serve ``/metrics`` on ``app`` and count every request it answers."""

    @app.get(PATH, include_in_schema=False)
    def metrics(accept: Annotated[str | None, Header()] = None) -> Response:
        # Prometheus asks for OpenMetrics; curl and older scrapers get the text format.
        encode, content_type = choose_encoder(accept or "")
        return Response(encode(REGISTRY), media_type=content_type)

    app.add_middleware(RequestMetrics)


class RequestMetrics:
    """ASGI middleware: count each HTTP request by route, method and status, and time it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500  # what the server answers if the app fails before it starts one
        started = time.perf_counter()

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            # The router has put the route it chose into the scope by now.
            route = str(getattr(scope.get("route"), "path", None) or UNMATCHED)
            HTTP_REQUESTS.labels(route, scope.get("method", ""), str(status)).inc()
            HTTP_SECONDS.labels(route).observe(time.perf_counter() - started)
