"""How the console joins the API application: its routes and its static files."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from complaint_events.console.rendering import STATIC_DIR
from complaint_events.console.routes import router
from complaint_events.console.routes_dashboard import router as dashboard_router


def add_console(app: FastAPI) -> None:
    """Serve the console at ``/console/`` and its assets at ``/console/static/``."""
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    app.include_router(router)
    app.include_router(dashboard_router)
