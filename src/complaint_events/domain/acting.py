"""Who acts on a case, when, and in answer to what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NotRequired, TypedDict

from complaint_events.domain.values import ActorRole


@dataclass(frozen=True, slots=True)
class Acting:
    """The actor of a command, the clock's time, and the message ids that led to it.

    ``actor`` is ``role:id`` (``consumer:c-1``, ``merchant:m-9``, ``handler:h-2``) or
    ``system:<process>`` for the stream processors.
    """

    actor: str
    at: datetime
    correlation_id: str | None = None
    causation_id: str | None = None
    reason: str | None = None

    def __post_init__(self) -> None:
        role, _, ident = self.actor.partition(":")
        if role not in ActorRole.__members__.values() or not ident:
            raise ValueError(
                f"actor must be 'role:id' with role one of "
                f"{', '.join(r.value for r in ActorRole)}; got {self.actor!r}"
            )
        if self.at.tzinfo is None:
            raise ValueError("Acting.at must be timezone-aware")

    @property
    def role(self) -> ActorRole:
        return ActorRole(self.actor.partition(":")[0])

    @property
    def actor_id(self) -> str:
        return self.actor.partition(":")[2]


class Meta(TypedDict):
    """What every stored case event records about its origin."""

    actor: str
    correlation_id: str | None
    causation_id: str | None
    reason: str | None
    # Set by the case store as the event is saved (the case's hash chain):
    hash: NotRequired[str]
    previous_hash: NotRequired[str]


class Stamp(TypedDict):
    """Keyword arguments every event mutator takes: the event time and its origin."""

    timestamp: datetime
    meta: Meta


def stamp(by: Acting) -> Stamp:
    """The event timestamp (from the injected clock) and metadata for ``by``."""
    return Stamp(
        timestamp=by.at,
        meta=Meta(
            actor=by.actor,
            correlation_id=by.correlation_id,
            causation_id=by.causation_id,
            reason=by.reason,
        ),
    )
