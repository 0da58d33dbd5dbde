"""The topology picture in docs/architecture.md is the one the code draws."""

from __future__ import annotations

from pathlib import Path

from complaint_events.contracts.topology_diagram import mermaid

ARCHITECTURE = Path(__file__).resolve().parents[2] / "docs" / "architecture.md"
MARKER = "<!-- topology: generated, do not edit by hand -->\n```mermaid\n"


def docs_picture() -> str:
    text = ARCHITECTURE.read_text(encoding="utf-8")
    assert MARKER in text, f"{ARCHITECTURE.name} lost the marker of its generated picture"
    return text.split(MARKER, 1)[1].split("```", 1)[0]


def test_the_picture_in_the_docs_is_the_generated_one() -> None:
    assert docs_picture() == mermaid(), (
        "docs/architecture.md's topology differs from the code: replace it with the output "
        "of `python -m complaint_events.contracts.topology_diagram`"
    )
