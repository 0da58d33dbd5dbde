"""The picture of the system's topology in ``docs/architecture.md``, drawn from the code.

The Kafka part comes from the AsyncAPI document's own tables
(:func:`~complaint_events.contracts.asyncapi.channels` and
:func:`~complaint_events.contracts.asyncapi.operations`): one node per topic, one
arrow per operation (a sender points at the topic, the topic at a receiver).
What the AsyncAPI document does not describe, the event store and the read
models, is the short list :data:`STORE_ARROWS` below.

``tests/unit/test_docs_topology_diagram.py`` fails when the picture in the docs
differs from :func:`mermaid`; print the new one with
``python -m complaint_events.contracts.topology_diagram``.
"""

from __future__ import annotations

import re
import sys
from typing import Final

from complaint_events.contracts.asyncapi import channels, operations

ACTORS: Final[dict[str, tuple[str, str]]] = {
    # AsyncAPI actor tag: (node id, label). Several tags name one process: the
    # document tags its operations by role ("deadlines" receives, "deadline-keeper" sends).
    "channel-adapters": ("adapters", "channel adapters"),
    "http-api": ("api", "HTTP API"),
    "intake-processor": ("intake", "intake processor"),
    "command-processor": ("commands", "command processor"),
    "acknowledgement": ("acknowledgement", "acknowledgement"),
    "acknowledgement-processor": ("acknowledgement", "acknowledgement"),
    "deadlines": ("deadlines", "deadline keeper"),
    "deadline-keeper": ("deadlines", "deadline keeper"),
    "router": ("router", "router"),
    "batchQuality": ("batch_quality", "batch-quality detector"),
    "batch-quality-detector": ("batch_quality", "batch-quality detector"),
    "projections": ("projections", "projector"),
    "analytics": ("analytics", "analytics report"),
    "auditors": ("auditors", "audit verify"),
    "relay": ("relay", "relay"),
    "stream-processors": ("processors", "processors and projector"),
    "operators": ("operators", "operators"),
    "callers": ("callers", "callers"),
}
"""Every actor of :func:`operations`, as a node of the picture."""

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
    ("read_models", "api", "queries"),
)


def _topic_node(channel_id: str) -> str:
    return "topic_" + re.sub(r"(?<!^)(?=[A-Z])", "_", channel_id).lower()


def mermaid() -> str:
    """The topology as a mermaid flowchart: processes, topics, stores and who uses which."""
    lines = ["flowchart LR"]
    nodes: dict[str, str] = {}
    for node, label in ACTORS.values():
        nodes.setdefault(node, f'    {node}["{label}"]')
    lines.extend(nodes.values())
    lines.extend(f'    {node}[("{label}")]' for node, label in STORES.items())
    lines.extend(f'    {_topic_node(s.channel_id)}[["{s.address}"]]' for s in channels())
    arrows: dict[tuple[str, str], None] = {}
    for op in operations():
        actor = ACTORS[op.actor][0]
        topic = _topic_node(op.channel_id)
        arrows.setdefault((actor, topic) if op.action == "send" else (topic, actor))
    lines.extend(f"    {a} --> {b}" for a, b in arrows)
    lines.extend(f'    {a} -- "{label}" --> {b}' for a, b, label in STORE_ARROWS)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(mermaid())
