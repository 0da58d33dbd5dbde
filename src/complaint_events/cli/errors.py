"""One line instead of a traceback when a setting is unusable or a service unreachable.

The command line's promise (docs/commands.md, "Exit codes"): a bad setting or a service
it cannot reach is answered with one line naming it and what to do, and exit
code 2, within a few seconds. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from typing import Final

import psycopg
from eventsourcing.persistence import InterfaceError as StoreInterfaceError
from eventsourcing.persistence import OperationalError as StoreOperationalError
from kafka.errors import KafkaConnectionError, KafkaTimeoutError
from psycopg_pool import PoolTimeout
from pydantic import ValidationError

from complaint_events.adapters.kafka_topics import TopicMissingError
from complaint_events.adapters.secrets_file import SecretsFileError
from complaint_events.application.secrets import KeyUnwrapError
from complaint_events.cli.store_found import StoreNotFoundError

EXIT_UNUSABLE: Final = 2
"""Exit code of a command that could not start: a setting or a service is unusable."""

_POSTGRES: Final = "PostgreSQL (COMPLAINTS_POSTGRES_DSN or --postgres)"
_KAFKA: Final = "Kafka (COMPLAINTS_KAFKA_BOOTSTRAP or --kafka)"


def explain(error: BaseException) -> str | None:
    """The one line for ``error`` if it is an unusable setting or service, else None."""
    for cause in _chain(error):
        message = _explain_one(cause)
        if message is not None:
            return message
    return None


def _explain_one(error: BaseException) -> str | None:
    if isinstance(error, ValidationError) and error.title == "Settings":
        problems = "; ".join(
            f"COMPLAINTS_{'_'.join(map(str, e['loc'])).upper()}: "
            + " ".join(str(e["msg"]).removeprefix("Value error, ").split())
            for e in error.errors(include_url=False)
        )
        return f"unusable setting: {problems}"
    if isinstance(error, psycopg.ProgrammingError) and _is_dsn_problem(error):
        return f"the PostgreSQL connection string is not usable: {_first_line(error)}; {_fix()}"
    if isinstance(error, PoolTimeout | psycopg.OperationalError):
        return f"cannot reach {_POSTGRES}: {_first_line(error)}"
    if isinstance(error, StoreOperationalError | StoreInterfaceError):
        return f"cannot reach {_POSTGRES}: {_first_line(error)}"
    if isinstance(error, KafkaConnectionError | KafkaTimeoutError):
        return f"cannot reach {_KAFKA}: {_first_line(error) or type(error).__name__}"
    if isinstance(
        error, TopicMissingError | SecretsFileError | KeyUnwrapError | StoreNotFoundError
    ):
        return str(error)
    if isinstance(error, sqlite3.OperationalError):
        return (
            f"cannot open the SQLite store (COMPLAINTS_SQLITE_PATH or --store postgres): "
            f"{_first_line(error)}"
        )
    return None


def _is_dsn_problem(error: psycopg.ProgrammingError) -> bool:
    text = str(error)
    return any(
        sign in text for sign in ("invalid dsn", 'missing "="', "invalid connection option", "URI")
    )


def _fix() -> str:
    return "set COMPLAINTS_POSTGRES_DSN (or --postgres) to e.g. postgresql://user@host:5432/db"


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__
