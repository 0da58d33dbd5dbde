"""The topology picture in docs/architecture.md and in the README is the one the code draws."""

from __future__ import annotations

from pathlib import Path

import pytest

from complaint_events.contracts.topology_diagram import mermaid

ROOT = Path(__file__).resolve().parents[2]
PAGES = (ROOT / "docs" / "architecture.md", ROOT / "README.md")
MARKER = "<!-- topology: generated, do not edit by hand -->\n```mermaid\n"


def picture_in(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    assert MARKER in text, f"{page.name} lost the marker of its generated picture"
    return text.split(MARKER, 1)[1].split("```", 1)[0]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_picture_in_the_docs_is_the_generated_one(page: Path) -> None:
    assert picture_in(page) == mermaid(), (
        f"{page.name}'s topology differs from the code: replace it with the output "
        "of `python -m complaint_events.contracts.topology_diagram`"
    )
