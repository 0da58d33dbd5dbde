"""Which processors exist, what each consumes, and the consumer group it reads as.

Derived from the topology table (:mod:`complaint_events.contracts.topology`):
its worker processors, in its order, each with the topics it reads through its
consumer group. A processor started alone runs as its own faust app (its
consumer group is the app id); ``worker all`` runs every processor in one app
for small installs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from complaint_events.contracts.topology import ACTORS, consumer_group
from complaint_events.settings import Settings


@dataclass(frozen=True, slots=True)
class ProcessorSpec:
    """One stream processor: its name, what it does, and the topics it consumes."""

    name: str
    summary: str
    # Logical topic names (without the prefix) its consumer group reads; none for
    # the relay (it follows the event store) and the projector (its own positions).
    sources: tuple[str, ...]


PROCESSORS: Final[dict[str, ProcessorSpec]] = {
    actor.name: ProcessorSpec(
        actor.name,
        actor.summary,
        tuple(read.topic for read in actor.reads) if actor.grouped else (),
    )
    for actor in ACTORS
    if actor.processor
}

ALL: Final = "all"


def app_name(chosen: list[str]) -> str:
    """The name of a worker running the processors ``chosen`` (``all`` for every one)."""
    return ALL if set(chosen) == set(PROCESSORS) else "-and-".join(chosen)


def app_id(settings: Settings, name: str) -> str:
    """The faust app id, which is also the Kafka consumer group id, of a worker."""
    return consumer_group(settings.topic_prefix, name)


def resolve(names: list[str]) -> list[str]:
    """The processor names a worker runs (``all`` means every one)."""
    if not names or ALL in names:
        return list(PROCESSORS)
    unknown = [n for n in names if n not in PROCESSORS]
    if unknown:
        raise ValueError(
            f"unknown processor {', '.join(unknown)}; choose from {', '.join(PROCESSORS)} or {ALL}"
        )
    return list(dict.fromkeys(names))
