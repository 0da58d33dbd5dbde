"""Which processors exist, what each reads, and the consumer group it reads as.

One table for the worker command, the health check and the docs: a processor
started alone runs as its own faust app (its consumer group is the app id);
``worker all`` runs every processor in one app for small installs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from complaint_events.settings import (
    BY_SKU_TOPIC,
    COMMANDS_TOPIC,
    EVENTS_TOPIC,
    INTAKE_TOPIC,
    Settings,
)


@dataclass(frozen=True, slots=True)
class ProcessorSpec:
    """One stream processor: its name, what it does, and the topics it consumes."""

    name: str
    summary: str
    sources: tuple[str, ...]  # logical topic names (without the prefix)


PROCESSORS: Final[dict[str, ProcessorSpec]] = {
    spec.name: spec
    for spec in (
        ProcessorSpec(
            "intake",
            "validates intake messages and files cases, many per transaction; "
            "bad messages go to the intake dead-letter topic",
            (INTAKE_TOPIC,),
        ),
        ProcessorSpec(
            "commands",
            "applies commands to cases; answers each on the command-results topic",
            (COMMANDS_TOPIC,),
        ),
        ProcessorSpec(
            "acknowledgement",
            "on ComplaintFiled renders the acknowledgement (zh/en, per channel) and records it",
            (EVENTS_TOPIC,),
        ),
        ProcessorSpec(
            "deadlines",
            "keeps every case's clocks; sends reminders and expiries as commands",
            (EVENTS_TOPIC,),
        ),
        ProcessorSpec(
            "router",
            "triages new cases, assigns a queue, escalates safety cases, orders spot checks",
            (EVENTS_TOPIC,),
        ),
        ProcessorSpec(
            "batch-quality",
            "raises a batch-quality alert when complaints on one SKU pile up; "
            "orders one spot check with one clock on the SKU, links the cases and passes "
            "the check's result to all of them",
            # The by-SKU topic too: its lag is work still to count (health, watchdog).
            (EVENTS_TOPIC, BY_SKU_TOPIC),
        ),
        ProcessorSpec(
            "projections",
            "feeds the read models (case summary, timeline, SLA, merchant scorecards, "
            "SKU quality) from the events topic",
            (),
        ),
        ProcessorSpec(
            "relay",
            "publishes stored case events to the events topic, exactly once in effect",
            (),
        ),
    )
}

ALL: Final = "all"


def app_name(chosen: list[str]) -> str:
    """The name of a worker running the processors ``chosen`` (``all`` for every one)."""
    return ALL if set(chosen) == set(PROCESSORS) else "-and-".join(chosen)


def app_id(settings: Settings, name: str) -> str:
    """The faust app id, which is also the Kafka consumer group id, of a worker."""
    return f"{settings.topic_prefix}complaint-events-{name}"


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
