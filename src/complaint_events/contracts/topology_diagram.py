"""The topology picture of ``docs/architecture.md`` and the README, drawn from the code.

The Kafka part comes from the topology table (:mod:`.topology`): one node per
actor and per topic, one arrow per operation (a sender points at the topic, the
topic at a receiver). What the table does not describe, the event store and the
read models, is the short list :data:`STORE_ARROWS` below.

``tests/unit/test_docs_topology_diagram.py`` fails when either picture
differs from :func:`mermaid`; print the new one with
``python -m complaint_events.contracts.topology_diagram``.
"""

from __future__ import annotations

import re
import sys
from typing import Final

from complaint_events.contracts.topology import ACTORS, TOPICS, Actor, operations

STORES: Final[dict[str, str]] = {
    "event_store": "event store: PostgreSQL, or SQLite embedded",
    "read_models": "read models: PostgreSQL",
}

STORE_ARROWS: Final[tuple[tuple[str, str, str], ...]] = (
    # (from, to, label): the writes and reads that do not go through Kafka.
    ("intake", "event_store", "files cases"),
    ("commands", "event_store", "applies commands"),
    ("batch_quality", "event_store", "records the SKU's alert"),
    ("event_store", "relay", "notification log"),
    ("projections", "read_models", "rows + positions"),
    ("read_models", "http_api", "queries"),
)


def _topic_node(channel_id: str) -> str:
    return "topic_" + re.sub(r"(?<!^)(?=[A-Z])", "_", channel_id).lower()


def _node(actor: Actor) -> str:
    return actor.name.replace("-", "_")


def mermaid() -> str:
    """The topology as a mermaid flowchart: processes, topics, stores and who uses which."""
    lines = ["flowchart LR"]
    lines.extend(f'    {_node(actor)}["{actor.label}"]' for actor in ACTORS)
    lines.extend(f'    {node}[("{label}")]' for node, label in STORES.items())
    lines.extend(f'    {_topic_node(t.channel_id)}[["{t.name}"]]' for t in TOPICS)
    arrows: dict[tuple[str, str], None] = {}
    for op in operations():
        actor = _node(op.actor)
        topic = _topic_node(op.topic.channel_id)
        arrows.setdefault((actor, topic) if op.action == "send" else (topic, actor))
    lines.extend(f"    {a} --> {b}" for a, b in arrows)
    lines.extend(f'    {a} -- "{label}" --> {b}' for a, b, label in STORE_ARROWS)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(mermaid())
