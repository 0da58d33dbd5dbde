"""Commands that read cases open an event store that is there; a missing SQLite file is said.

Opening the SQLite store creates its file when it is missing (eventsourcing
creates its tables on first use). For the commands that make cases (the demo,
the workers) that is right; for the ones that read them (``case show``,
``audit verify``, ``privacy show``, ...) it is not: a wrong or unset
``COMPLAINTS_SQLITE_PATH`` would answer "no complaint case" and leave an empty
``complaints.sqlite`` behind, as if the cases had gone. Those commands open
the store through :func:`open_existing_cases`, which names the file it looked
for and how to point at another store instead. A PostgreSQL store is opened
as before: its database is made by whoever runs the server.
"""

from __future__ import annotations

from pathlib import Path

from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases
from complaint_events.settings import Settings


class StoreNotFoundError(Exception):
    """The SQLite event store a read command was pointed at does not exist."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"no event store at {path.absolute()} (COMPLAINTS_SQLITE_PATH, default "
            "./complaints.sqlite; nothing was created there): point COMPLAINTS_SQLITE_PATH "
            "at an existing SQLite store, e.g. COMPLAINTS_SQLITE_PATH=demo-output/events.sqlite "
            "after 'complaint-events demo', or use PostgreSQL with --store postgres"
        )


def existing_store(settings: Settings) -> Settings:
    """``settings``, once their SQLite store is known to exist (a PostgreSQL one is not checked)."""
    if settings.store == "sqlite" and not settings.sqlite_path.is_file():
        raise StoreNotFoundError(settings.sqlite_path)
    return settings


def open_existing_cases(settings: Settings) -> ComplaintCases:
    """The case store of ``settings``, refusing to create a SQLite file that is not there."""
    return build_cases(existing_store(settings))
