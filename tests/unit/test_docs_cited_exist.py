"""The design the code cites is in the repository: every docs/ page cited exists, none is outside.

Code and tests cite the page that holds a fact (``docs/deadlines.md, On expiry``);
a citation of a page that does not exist, or of a design document kept
elsewhere, leaves a maintainer with nothing to read. The docs pages' links to
one another (``[rules.md](rules.md#triage)``) must reach a page and a heading.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from docs_support import DOCS, README, ROOT, anchors

CODE_FOLDERS = ("src", "consumers", "projections", "analytics", "bench", "tests")
CITED = re.compile(r"docs/([a-z_-]+)\.md")
OUTSIDE_DESIGN = "DESIGN" + ".md"  # spelled apart so this file does not cite it
LINK = re.compile(r"\]\(([a-z_-]+\.md)(?:#([a-z0-9_-]+))?\)")


def code_files() -> list[Path]:
    return sorted(path for folder in CODE_FOLDERS for path in (ROOT / folder).rglob("*.py"))


def test_the_code_cites_no_design_document_outside_the_repository() -> None:
    citing = [
        str(path.relative_to(ROOT))
        for path in [*code_files(), README, *DOCS.glob("*.md")]
        if OUTSIDE_DESIGN in path.read_text(encoding="utf-8")
    ]
    assert not citing, f"cite the docs/ page instead of {OUTSIDE_DESIGN} in: {citing}"


def test_every_docs_page_the_code_cites_exists() -> None:
    missing = {
        f"docs/{name}.md ({path.relative_to(ROOT)})"
        for path in code_files()
        for name in CITED.findall(path.read_text(encoding="utf-8"))
        if not (DOCS / f"{name}.md").is_file()
    }
    assert not missing, f"cited but not in docs/: {sorted(missing)}"


@pytest.mark.parametrize("page", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_links_between_docs_pages_reach_a_page_and_a_heading(page: Path) -> None:
    broken = []
    for target, anchor in LINK.findall(page.read_text(encoding="utf-8")):
        linked = DOCS / target
        if not linked.is_file():
            broken.append(target)
        elif anchor and anchor not in anchors(linked):
            broken.append(f"{target}#{anchor}")
    assert not broken, f"{page.name} links to what is not there: {broken}"
