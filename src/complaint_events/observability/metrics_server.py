"""``/metrics`` of a process without HTTP of its own: a worker, the relay, the projector.

prometheus_client's own server, in a daemon thread, on ``COMPLAINTS_METRICS_HOST``
and ``COMPLAINTS_METRICS_PORT`` (``--metrics-port``); port 0 serves nothing. Each
process on one host needs a port of its own (docs/operations-metrics.md, Ports).
The API serves the same registry on its own port instead
(:mod:`complaint_events.api.metrics_route`).
"""

from __future__ import annotations

import logging

from prometheus_client import start_http_server

from complaint_events.observability.metrics import STALL_TIMEOUT
from complaint_events.settings import Settings

log = logging.getLogger("complaint_events.metrics")


class MetricsPortError(RuntimeError):
    """The metrics port could not be opened (taken by another process, or not allowed)."""


def serve_metrics(settings: Settings, what: str) -> int | None:
    """Serve ``/metrics`` for the process ``what`` if a port is set; the port, or None.

    Fails at once, naming the port, when it is taken: two workers on one host were
    given the same port.
    """
    STALL_TIMEOUT.set(settings.stall_timeout)
    if settings.metrics_port == 0:
        return None
    try:
        server, _thread = start_http_server(settings.metrics_port, addr=settings.metrics_host)
    except OSError as error:
        raise MetricsPortError(
            f"{what}: cannot serve metrics on {settings.metrics_host}:{settings.metrics_port} "
            f"({error.strerror or error}); give each process on this host its own "
            "--metrics-port (COMPLAINTS_METRICS_PORT)"
        ) from None
    port = int(server.server_port)
    log.info("%s: metrics on http://%s:%d/metrics", what, settings.metrics_host, port)
    return port
