"""How case histories look in a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.table import Table

_SKIP = {
    "originator_id",
    "originator_version",
    "timestamp",
    "meta",
    "originator_topic",
    "contact",
    "deadline",
    "acknowledgement_deadline",
    "status",
    "summary",
}


def history_table(case_id: object, events: Sequence[Any]) -> Table:
    """One row per stored event: sequence, time, event, actor, and what it says."""
    table = Table(title=f"case {case_id}", title_justify="left", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("at (UTC)")
    table.add_column("event", no_wrap=True)
    table.add_column("actor")
    table.add_column("details", overflow="fold")
    for event in events:
        meta = getattr(event, "meta", {}) or {}
        details = {k: v for k, v in vars(event).items() if k not in _SKIP}
        due = _due(event)
        table.add_row(
            str(event.originator_version),
            event.timestamp.strftime("%Y-%m-%d %H:%M"),
            type(event).__name__,
            escape(str(meta.get("actor", ""))),
            escape(_short(details) + (f" due {due}" if due else "")),
        )
    return table


def _due(event: Any) -> str:
    for name in ("deadline", "acknowledgement_deadline"):
        record = getattr(event, name, None)
        if isinstance(record, dict) and "due_at" in record:
            return str(record["due_at"].strftime("%Y-%m-%d %H:%M"))
    return ""


def _short(details: dict[str, Any], limit: int = 160) -> str:
    text = ", ".join(f"{k}={_value(v)}" for k, v in details.items() if v not in (None, "", [], {}))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return str(value)
