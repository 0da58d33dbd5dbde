"""A case's history as an auditor reads it: who did what, when, and why.

Built from the published envelopes (JSON form): the actor and the reason come
from the event's metadata, the justification and the rules cited from its
payload (``rule_refs``, ``cost_rule``, and any other ``*rule*`` field).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from complaint_events.contracts.events import is_sealed

JUSTIFICATIONS: Final = (
    "reasoning",
    "explanation",
    "grounds",
    "decision",
    "rejection",
    "new_facts",
    "escalation",
    "penalty",
    "findings",
    "matched_on",
)
"""Payload fields that say why something was decided or done, in the order shown."""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One event of a case, for an auditor."""

    sequence: int
    recorded_at: str
    event_type: str
    actor: str
    correlation_id: str | None
    causation_id: str | None
    why: str
    rule_refs: tuple[str, ...]
    hash: str | None


def history_rows(envelopes: Iterable[Mapping[str, Any]]) -> list[HistoryRow]:
    """One row per envelope, in the order given."""
    return [_row(e) for e in envelopes]


def rule_refs(payload: object) -> tuple[str, ...]:
    """Every rule reference in a payload, however deeply nested, in order, each once."""
    found: list[str] = []

    def walk(value: object, under_rule: bool) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(item, under_rule or "rule" in str(key))
        elif isinstance(value, list):
            for item in value:
                walk(item, under_rule)
        elif under_rule and isinstance(value, str) and value and value not in found:
            found.append(value)

    walk(payload, under_rule=False)
    return tuple(found)


def why(envelope: Mapping[str, Any]) -> str:
    """The reason recorded with the event and the justification in its payload."""
    parts: list[str] = []
    reason = envelope.get("reason")
    if reason:
        parts.append(str(reason))
    payload = envelope.get("payload")
    if isinstance(payload, Mapping):
        for name in JUSTIFICATIONS:
            value = payload.get(name)
            if is_sealed(value):
                value = "[sealed]"  # under the consumer's key; opened only for who may read it
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            if value:
                parts.append(f"{name.replace('_', ' ')}: {value}")
    return "; ".join(parts)


def _row(envelope: Mapping[str, Any]) -> HistoryRow:
    return HistoryRow(
        sequence=int(envelope.get("sequence") or 0),
        recorded_at=str(envelope.get("recorded_at") or ""),
        event_type=str(envelope.get("event_type") or "?"),
        actor=str(envelope.get("actor") or ""),
        correlation_id=_optional(envelope.get("correlation_id")),
        causation_id=_optional(envelope.get("causation_id")),
        why=why(envelope),
        rule_refs=rule_refs(envelope.get("payload")),
        hash=_optional(envelope.get("hash")),
    )


def _optional(value: object) -> str | None:
    return None if value is None else str(value)
