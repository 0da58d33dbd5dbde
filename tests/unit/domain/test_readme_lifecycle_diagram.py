"""The README's lifecycle diagram shows exactly the status changes of the transition table."""

from __future__ import annotations

import re
from pathlib import Path

from complaint_events.domain.status import TRANSITIONS, CaseStatus

README = Path(__file__).resolve().parents[3] / "README.md"
EDGE = re.compile(r"^\s*(\w+) --> (\w+):", re.MULTILINE)


def diagram_edges() -> set[tuple[str, str]]:
    text = README.read_text()
    diagram = text.split("```mermaid", 1)[1].split("```", 1)[0]
    return {(a, b) for a, b in EDGE.findall(diagram) if a != "[*]"}


def table_edges() -> set[tuple[str, str]]:
    edges = {
        (status.value, target.value)
        for status, row in TRANSITIONS.items()
        for target in row.values()
        if target is not None and target is not status
    }
    # Acknowledging a filed case moves it to verification (domain/case.py, _acknowledged).
    edges.add((CaseStatus.FILED.value, CaseStatus.VERIFYING.value))
    return edges


def test_every_status_change_is_drawn_and_every_arrow_is_a_status_change() -> None:
    assert diagram_edges() == table_edges()
