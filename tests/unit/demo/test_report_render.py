"""The report renders from the package's own template, even for a run with no cases yet."""

from __future__ import annotations

import re
from importlib.resources import files

from complaint_events.demo.report import render_report
from complaint_events.demo.summary import Summary


def test_the_template_ships_inside_the_package() -> None:
    assert (files("complaint_events.demo") / "templates" / "report.html.j2").is_file()


def test_an_empty_run_renders_a_page_that_loads_nothing_from_elsewhere() -> None:
    page = render_report(Summary(), seed=1, events_file="out/events.jsonl")
    assert "投诉处理报告" in page
    assert "Complaints report" in page
    assert "所有案件均已关闭" in page  # no open case: the list says so
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)
    assert "@import" not in page
