"""What the tests of the documentation share: the pages, and the anchors of their headings.

A link ``[x](page.md#some-heading)`` works on GitHub only when ``page.md`` has a
heading whose anchor is ``some-heading``; the tests compute anchors as GitHub does.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README = ROOT / "README.md"
HEADING = re.compile(r"^#+ (.+)$", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return kept.replace(" ", "-")


def prose(page: Path) -> str:
    """The page without its fenced code blocks, whose brackets are not links or headings."""
    return FENCE.sub("", page.read_text(encoding="utf-8"))


def anchors(page: Path) -> set[str]:
    """The anchors of every heading of a page."""
    return {slug(heading) for heading in HEADING.findall(prose(page))}
