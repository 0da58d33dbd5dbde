"""Typed dependencies of the routes: what ``create_app`` put on ``app.state``.

``SettingsDep``, ``ClockDep``, ``CasesDep``, ``BusDep`` and ``DbConn`` (a
PostgreSQL connection with dict rows, from the app's pool; ``DbConnIfAny``
where a route can also answer from the event store alone, as on SQLite) are
what a route declares; it never builds its own adapters.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from complaint_events.api.bus import Bus
from complaint_events.api.database import Database, DictConnection
from complaint_events.application.cases import ComplaintCases
from complaint_events.clock import Clock
from complaint_events.settings import Settings


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def _cases(request: Request) -> ComplaintCases:
    cases: ComplaintCases = request.app.state.cases
    return cases


def _bus(request: Request) -> Bus:
    bus: Bus = request.app.state.bus
    return bus


def no_read_models() -> HTTPException:
    """The answer of a route that needs the read models on a store that has none (SQLite)."""
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail="the read models need the postgres store (COMPLAINTS_STORE=postgres)",
    )


def db_connection(request: Request) -> Iterator[DictConnection]:
    """A pooled PostgreSQL connection for this request (503 when the store is not PostgreSQL)."""
    db: Database | None = request.app.state.db
    if db is None:
        raise no_read_models()
    with db.connection() as conn:
        yield conn


def db_connection_if_any(request: Request) -> Iterator[DictConnection | None]:
    """A pooled PostgreSQL connection, or None on the SQLite store: for a route that can
    also answer from the event store."""
    db: Database | None = request.app.state.db
    if db is None:
        yield None
        return
    with db.connection() as conn:
        yield conn


SettingsDep = Annotated[Settings, Depends(_settings)]
ClockDep = Annotated[Clock, Depends(_clock)]
CasesDep = Annotated[ComplaintCases, Depends(_cases)]
BusDep = Annotated[Bus, Depends(_bus)]
DbConn = Annotated[DictConnection, Depends(db_connection)]
DbConnIfAny = Annotated[DictConnection | None, Depends(db_connection_if_any)]
