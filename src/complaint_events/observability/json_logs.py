"""The log format of every process: text for people, or one JSON object a line for machines.

``COMPLAINTS_LOG_FORMAT=json`` makes each line an object with ``time`` (UTC, ISO
8601), ``level``, ``logger``, ``message`` and, when the line is about a case,
``case_id`` and ``correlation_id``: given with ``extra=case_fields(...)`` where
the line is logged, or bound for a block with :func:`about_case`. An exception's
traceback goes in ``exception``. Built on the standard library's ``logging``
and ``json``: nothing else to install, and the fields are exactly these.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

TEXT: Final = "text"
JSON: Final = "json"
FORMATS: Final = (TEXT, JSON)
ENV_VAR: Final = "COMPLAINTS_LOG_FORMAT"
TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CASE_FIELDS: Final = ("case_id", "correlation_id")

_bound: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "complaint_log_context", default=None
)


def case_fields(case_id: UUID | str | None, correlation_id: str | None = None) -> dict[str, str]:
    """The ``extra=`` of a log line about a case (fields left out when unknown)."""
    fields = {"case_id": case_id, "correlation_id": correlation_id}
    return {name: str(value) for name, value in fields.items() if value is not None}


@contextmanager
def about_case(case_id: UUID | str | None, correlation_id: str | None = None) -> Iterator[None]:
    """Every line logged in this block (this thread or task) names the case."""
    token = _bound.set(case_fields(case_id, correlation_id))
    try:
        yield
    finally:
        _bound.reset(token)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the case it is about."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        bound = _bound.get() or {}
        for name in CASE_FIELDS:
            value = getattr(record, name, None) or bound.get(name)
            if value is not None:
                entry[name] = str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def format_from_env() -> str:
    """``COMPLAINTS_LOG_FORMAT`` as set, or ``text`` when unset or not a known format.

    Read before the settings are (logging starts first); the settings check the
    same variable and name a wrong value when a command reads them.
    """
    value = os.environ.get(ENV_VAR, TEXT).strip().lower()
    return value if value in FORMATS else TEXT


def formatter(log_format: str) -> logging.Formatter:
    return JsonFormatter() if log_format == JSON else logging.Formatter(TEXT_FORMAT)


def configure_logging(level: int, log_format: str) -> None:
    """Log to standard error at ``level`` in ``log_format`` (the command line's logging)."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter(log_format))
    logging.basicConfig(level=level, handlers=[handler])


def worker_logging_config(log_format: str, loglevel: str) -> dict[str, Any] | None:
    """faust's logging configuration for ``log_format`` (None: faust's own, coloured text).

    faust (mode) replaces the root logger's handlers when a worker starts; this
    dictConfig makes its handler write JSON lines to standard output instead.
    """
    if log_format != JSON:
        return None
    return {
        **_json_to("ext://sys.stdout"),
        "root": {"level": loglevel.upper(), "handlers": ["default"]},
    }


def api_logging_config(log_format: str) -> dict[str, Any] | None:
    """uvicorn's logging configuration for ``log_format`` (None: uvicorn's own, text).

    uvicorn gives its loggers (``uvicorn.error``, ``uvicorn.access``: one line per
    request) handlers of their own that do not reach the root logger's; this
    configuration gives them a JSON handler on standard error instead.
    """
    if log_format != JSON:
        return None
    return {
        **_json_to("ext://sys.stderr"),
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }


def _json_to(stream: str) -> dict[str, Any]:
    """A logging dictConfig's start: one handler, ``default``, writing JSON lines to ``stream``."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "json", "stream": stream}
        },
    }
