"""How one case's state looks: as JSON-ready values and as terminal tables.

The consumer's contact details are masked (个人信息保护法): the state of a case
is what an auditor or handler reviews. The case holds the contact sealed; the
caller opens it (``ComplaintCases.contact_of``) and passes it in, None once
the consumer's data has been erased (shown as ``[erased]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Final

from rich.console import Group
from rich.markup import escape
from rich.table import Table

from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import Contact
from complaint_events.domain.masking import ERASED, mask_email, mask_name, mask_phone

_FACTS: Final = (
    "status",
    "filed_at",
    "received_at",
    "acknowledged_at",
    "channel",
    "channel_ref",
    "consumer_id",
    "contact",
    "order_id",
    "merchant_id",
    "sku",
    "product_name",
    "product_spec",
    "price",
    "quantity",
    "demand",
    "category",
    "safety_flags",
    "route",
    "queue",
    "fast_track",
    "burden_of_proof_on_merchant",
    "distress",
    "assignee",
    "information_requested",
    "return_received_at",
    "closed_at",
    "resolution",
    "reopen_count",
)
_RECORDS: Final = ("liability", "remedy", "remedy_executed", "satisfaction")
_LISTS: Final = (
    "merchant_evidence",
    "spot_checks",
    "assessments",
    "appeals",
    "escalations",
    "penalties",
    "duplicates",
    "callbacks",
    "batch_alerts",
)


def case_state(case: ComplaintCase, *, contact: Contact | None) -> dict[str, Any]:
    """The case's state in JSON-ready values (times ISO 8601, money as decimal strings).

    ``contact`` is the case's contact opened from its sealed form (None: erased).
    """
    state: dict[str, Any] = {"case_id": str(case.id), "version": case.version}
    for name in (*_FACTS, *_RECORDS, *_LISTS):
        state[name] = _plain(getattr(case, name, None))
    state["contact"] = _masked_contact(contact)
    state["deadlines"] = [
        _plain(
            {
                "deadline_id": d.deadline_id,
                "kind": d.kind,
                "state": d.state,
                "started_at": d.started_at,
                "due_at": d.due_at,
                "remind_at": d.remind_at,
                "paused_at": d.paused_at,
                "reminded": d.reminded,
            }
        )
        for d in case.deadlines.values()
    ]
    return state


def case_tables(state: Mapping[str, Any], as_of: str) -> Group:
    """The state as tables: facts, deadlines with their states, decisions, other records."""
    facts = Table(
        title=f"case {state['case_id']} as of {as_of} (version {state['version']})",
        title_justify="left",
        show_header=False,
    )
    facts.add_column("fact", style="bold")
    facts.add_column("value", overflow="fold")
    for name in _FACTS:
        value = state.get(name)
        if value not in (None, "", [], {}):
            facts.add_row(_label(name), escape(_text(value)))
    # The id is "kind@version" (the kind is its first part), and it folds rather
    # than being cut to "acknowledg…" on an 80-column terminal.
    rows = state.get("deadlines", [])
    widest = max((len(d["deadline_id"]) for d in rows), default=8)
    deadlines = Table(title="deadlines (kind@version)", title_justify="left")
    deadlines.add_column("deadline", overflow="fold", min_width=min(widest, 24))
    for column in ("state", "started", "due", "reminder"):
        deadlines.add_column(column)
    for d in rows:
        deadlines.add_row(
            d["deadline_id"],
            _state_style(d["state"]),
            _when(d["started_at"]),
            _when(d["due_at"]),
            _when(d["remind_at"]) + (" (sent)" if d["reminded"] else ""),
        )
    decisions = Table(title="decisions and records", title_justify="left", show_header=False)
    decisions.add_column("record", style="bold")
    decisions.add_column("details", overflow="fold")
    for name in _RECORDS:
        decisions.add_row(_label(name), escape(_text(state.get(name)) or "—"))
    for name in _LISTS:
        for item in state.get(name) or []:
            decisions.add_row(_label(name), escape(_text(item)))
    return Group(facts, deadlines, decisions)


def _masked_contact(contact: Contact | None) -> dict[str, str | None]:
    if contact is None:
        return dict.fromkeys(("name", "phone", "email", "address"), ERASED)

    def masked(value: str | None, mask: Any) -> str | None:
        return mask(value) if value else None

    return {
        "name": masked(contact.name, mask_name),
        "phone": masked(contact.phone, mask_phone),
        "email": masked(contact.email, mask_email),
        "address": "(withheld)" if contact.address else None,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items() if v not in (None, "", [], {}))
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _label(name: str) -> str:
    return name.replace("_", " ")


def _when(value: str | None) -> str:
    return value.replace("T", " ")[:16] if value else ""


def _state_style(state: str) -> str:
    style = {"open": "yellow", "paused": "blue", "met": "green", "expired": "red"}.get(state)
    return f"[{style}]{state}[/]" if style else state
