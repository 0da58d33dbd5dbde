"""A case's clocks as JSON: the form the events carry them in and the read models store.

The fold (:mod:`complaint_events.processing.deadline_fold`) works on
:class:`~complaint_events.domain.deadlines.Deadline` values, the aggregate's
own; these functions translate at the edges. An event's ``deadline`` record
(``DeadlineV1``: ``deadline_id``, ``kind``, ``started_at``, ``due_at``,
``remind_at``, ``state``) and a stored clock of the ``deadlines`` jsonb
columns (``case_summary``, ``sla_case_facts``: deadline id -> ``kind``,
``started_at``, ``due_at``, ``remind_at``, ``state``, ``reminded``,
``paused_at``) read with the same function. Times are ISO 8601 strings in
UTC with a ``Z``, as the events write them; rows written before a clock had
``reminded`` or ``paused_at`` read as not reminded and not paused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import DeadlineKind

JsonClocks = dict[str, dict[str, Any]]
"""deadline id -> the clock as JSON values (see :func:`deadline_json`)."""


def json_time(at: datetime) -> str:
    """``at`` as the events write times: ISO 8601 in UTC with a ``Z``."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    """A time as the events (and :func:`json_time`) write it."""
    return datetime.fromisoformat(text)


def parse_optional_time(text: str | None) -> datetime | None:
    """:func:`parse_time`, for a time that may be absent (null)."""
    return None if text is None else parse_time(text)


def deadline_from_json(deadline_id: str, record: Mapping[str, Any]) -> Deadline:
    """A clock from an event's ``deadline`` record or a stored ``deadlines`` entry."""
    return Deadline(
        deadline_id=deadline_id,
        kind=DeadlineKind(record["kind"]),
        started_at=parse_time(record["started_at"]),
        due_at=parse_time(record["due_at"]),
        remind_at=parse_optional_time(record.get("remind_at")),
        state=DeadlineState(record["state"]),
        paused_at=parse_optional_time(record.get("paused_at")),
        reminded=bool(record.get("reminded", False)),
    )


def deadline_json(deadline: Deadline) -> dict[str, Any]:
    """A clock as the ``deadlines`` jsonb columns store it (its id is the key beside it)."""
    return {
        "kind": deadline.kind.value,
        "started_at": json_time(deadline.started_at),
        "due_at": json_time(deadline.due_at),
        "remind_at": None if deadline.remind_at is None else json_time(deadline.remind_at),
        "state": deadline.state.value,
        "reminded": deadline.reminded,
        "paused_at": None if deadline.paused_at is None else json_time(deadline.paused_at),
    }


def deadlines_from_json(stored: Mapping[str, Mapping[str, Any]]) -> dict[str, Deadline]:
    """A ``deadlines`` jsonb value as clocks by deadline id."""
    return {deadline_id: deadline_from_json(deadline_id, d) for deadline_id, d in stored.items()}


def deadlines_json(deadlines: Mapping[str, Deadline]) -> JsonClocks:
    """Clocks by deadline id as a ``deadlines`` jsonb value."""
    return {deadline_id: deadline_json(d) for deadline_id, d in deadlines.items()}
