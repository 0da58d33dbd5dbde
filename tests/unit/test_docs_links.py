"""The README is a short front door, and every page it leads to is reachable and whole.

The README says what the project is, how to run it and where to read on; the
rest lives in docs/. So the README is held to a length, every relative link of
the README and the docs pages must reach a file (and, into a page, a heading),
and every docs page must be reachable from the README by following links.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docs_support import DOCS, README, ROOT, anchors, prose

README_MAX_LINES = 250
LINK = re.compile(r"\]\(([^()\s]+)\)")
EXTERNAL = ("http://", "https://", "mailto:")
PAGES = (README, *sorted(DOCS.glob("*.md")))


def relative_links(page: Path) -> list[str]:
    return [t for t in LINK.findall(prose(page)) if not t.startswith(EXTERNAL)]


def target_of(page: Path, link: str) -> tuple[Path, str]:
    path, _, anchor = link.partition("#")
    return (page.parent / path).resolve() if path else page, anchor


def test_the_readme_is_short() -> None:
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move the detail to docs/"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_reaches_a_file_and_a_heading(page: Path) -> None:
    broken = []
    for link in relative_links(page):
        target, anchor = target_of(page, link)
        into_a_page = anchor and target.suffix == ".md"
        if not target.exists() or (into_a_page and anchor not in anchors(target)):
            broken.append(link)
    assert not broken, f"{page.relative_to(ROOT)} links to what is not there: {broken}"


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    reached = {README.resolve()}
    todo = [README]
    while todo:
        page = todo.pop()
        for link in relative_links(page):
            target, _ = target_of(page, link)
            if target.suffix == ".md" and target.is_file() and target not in reached:
                reached.add(target)
                todo.append(target)
    unreached = sorted(p.name for p in DOCS.glob("*.md") if p.resolve() not in reached)
    assert not unreached, f"no link leads from README.md to docs/{unreached}"
