"""The lifecycle diagram and the transition table of docs/lifecycle.md show exactly the
status changes of the transition table in domain/status.py."""

from __future__ import annotations

import re
from pathlib import Path

from complaint_events.domain.status import TRANSITIONS, CaseStatus

ROOT = Path(__file__).resolve().parents[3]
LIFECYCLE = ROOT / "docs" / "lifecycle.md"
EDGE = re.compile(r"^\s*(\w+) --> (\w+):", re.MULTILINE)
TABLE_MARKER = "<!-- transitions: checked against domain/status.py -->\n"
NAME = re.compile(r"`([^`]+)`")


def diagram_edges(document: Path) -> set[tuple[str, str]]:
    text = document.read_text(encoding="utf-8")
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
    assert diagram_edges(LIFECYCLE) == table_edges()


def docs_table_rows() -> set[tuple[str, str, str]]:
    text = LIFECYCLE.read_text(encoding="utf-8")
    assert TABLE_MARKER in text, "docs/lifecycle.md lost the marker of its transition table"
    lines = text.split(TABLE_MARKER, 1)[1].splitlines()
    rows: set[tuple[str, str, str]] = set()
    for line in lines[2:]:  # after the header and its rule
        if not line.startswith("|"):
            break
        status, steps, target = (cell.strip() for cell in line.strip("|").split("|"))
        (source,), (goal,) = NAME.findall(status), NAME.findall(target)
        rows.update((source, step, goal) for step in NAME.findall(steps))
    return rows


def test_the_docs_transition_table_lists_every_status_change_of_the_code() -> None:
    code = {
        (status.value, step.value, target.value)
        for status, row in TRANSITIONS.items()
        for step, target in row.items()
        if target is not None and target is not status
    }
    assert docs_table_rows() == code
