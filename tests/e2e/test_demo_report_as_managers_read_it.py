"""The demo's report as a complaints manager reads it: opened in a real (headless) Chromium.

The demo runs as users run it (the CLI, a small stream, a seed); its report is
opened from disk with every network request refused, and the test reads what
the browser shows: the sections with their Chinese and English headings, the
cases still open with their stage and next deadline, a funnel that only ever
narrows, the figures the terminal printed, charts drawn at a readable size,
and no raw identifier anywhere on the page. The full-page screenshot is kept in
``demo-output/report-screenshot.png`` for people (and CI) to look at.
"""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, Route

from browser_support import headless_chromium
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.demo.summary import Summary, summarise
from complaint_events.labels import label

pytestmark = pytest.mark.e2e

CLI = str(Path(sys.executable).parent / "complaint-events")
SECRETS = {"COMPLAINTS_SECRETS_FILE": os.environ["COMPLAINTS_SECRETS_FILE"]}
SCREENSHOT = Path(__file__).resolve().parents[2] / "demo-output" / "report-screenshot.png"
CASES, SEED = 40, 7

SECTIONS = (
    ("关键数字", "Key figures"),
    ("仍在处理的案件", "Cases still open"),
    ("阶段漏斗", "Stage funnel"),
    ("结案原因", "How cases ended"),
    ("升级、申诉与抽检", "Escalations, appeals and spot checks"),
    ("满意度", "Satisfaction"),
    ("渠道与语言", "Channels and languages"),
    ("确认时效", "Acknowledgement on time"),
)
IDENTIFIER = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # no_merchant_liability, remedy_offered, …


@dataclass
class Shown:
    page: Page
    terminal: str
    summary: Summary
    fetched: list[str]


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shown]:
    out = tmp_path_factory.mktemp("demo") / "out"
    result = subprocess.run(
        [CLI, "demo", "--cases", str(CASES), "--seed", str(SEED), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
        env={"COLUMNS": "200", "PATH": str(Path(CLI).parent), **SECRETS},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    lines = (out / "events.jsonl").read_text(encoding="utf-8").splitlines()
    summary = summarise(EventEnvelope.model_validate_json(line) for line in lines)
    fetched: list[str] = []

    def refuse(route: Route, request: Request) -> None:
        if not request.url.startswith(("file:", "data:")):
            fetched.append(request.url)
            route.abort()
        else:
            route.continue_()

    with headless_chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.route("**/*", refuse)
        page.goto((out / "report.html").as_uri())
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT), full_page=True)
        yield Shown(page, result.stdout, summary, fetched)


def _terminal_figure(terminal: str, name: str) -> str:
    found = re.search(rf"{re.escape(name)}\s*│\s*([^│\n]+?)\s*│", terminal)
    assert found is not None, terminal
    return found.group(1)


def test_the_report_loads_nothing_from_the_network(shown: Shown) -> None:
    assert shown.fetched == []


def test_every_section_has_a_visible_heading_in_chinese_then_english(shown: Shown) -> None:
    headings = shown.page.locator("h2")
    texts = [" ".join(t.split()) for t in headings.all_inner_texts()]
    for zh, en in SECTIONS:
        assert f"{zh} {en}" in texts, texts
    for heading in headings.all():
        assert heading.is_visible()
    assert shown.page.locator("h1").inner_text().split() == ["投诉处理报告", "Complaints", "report"]


def test_the_open_cases_are_listed_with_their_stage_and_next_deadline(shown: Shown) -> None:
    open_cases = shown.summary.open_cases
    assert open_cases, "the seed's stream leaves cases open at the end"
    rows = shown.page.locator("#open-case-table tbody tr")
    assert rows.count() == len(open_cases)
    assert rows.first.is_visible()
    for row, case in zip(rows.all(), open_cases, strict=True):
        cells = [" ".join(c.split()) for c in row.locator("td").all_inner_texts()]
        assert cells[0].startswith(case.reference), cells
        assert str(case.case_id) in cells[0]
        assert re.fullmatch(r"\S+ \S.*", cells[2]), cells  # the stage in words, 中文 then English
        assert case.next_deadline is not None
        assert case.next_deadline.due_at.strftime("%Y-%m-%d %H:%M") in cells[6], cells


def test_the_funnel_only_narrows_from_every_filed_case(shown: Shown) -> None:
    reached = [int(n) for n in shown.page.locator("#funnel-table td.reached").all_inner_texts()]
    assert reached[0] == CASES
    assert all(a >= b for a, b in itertools.pairwise(reached)), reached
    assert reached[-1] > 0
    steps = shown.page.locator("#funnel-table tbody td:first-child").all_inner_texts()
    assert " ".join(steps[-1].split()) == "补救已执行 Remedy executed"


def test_the_figures_the_terminal_prints_are_in_the_report(shown: Shown) -> None:
    figures = {
        " ".join(f.locator(".name").inner_text().split()): f.locator(".value").inner_text()
        for f in shown.page.locator("#figures .figure").all()
    }
    terminal = shown.terminal
    assert figures["升级案件 Escalated cases"] == _terminal_figure(terminal, "escalated cases")
    assert figures["抽检 Spot checks ordered"] == _terminal_figure(terminal, "spot checks ordered")
    mean = _terminal_figure(terminal, "satisfaction").split("/")[0]
    assert figures["满意度 Satisfaction"] == f"{mean} / 5"
    assert figures["申诉 Appeals filed"] == str(shown.summary.appeals["filed"])
    appeal_rows = shown.page.locator("#appeal-table tbody tr").all_inner_texts()
    assert any(
        " ".join(r.split()) == f"申诉成立 Upheld {shown.summary.appeals['upheld']}"
        for r in appeal_rows
    ), appeal_rows
    channels = shown.page.locator("#chart-channels .label-en").all_text_contents()
    languages = shown.page.locator("#chart-languages .label-zh").all_text_contents()
    assert sorted(languages) == sorted(["中文", "英文"])
    assert sorted(channels) == sorted(label(c).en for c in shown.summary.by_channel)


def test_the_charts_are_drawn_at_a_readable_size(shown: Shown) -> None:
    charts = shown.page.locator("svg.chart")
    assert charts.count() >= 9
    for chart in charts.all():
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] >= 600
        assert box["height"] >= 60
    funnel_bars = shown.page.locator("#chart-funnel rect")
    assert funnel_bars.count() >= len(shown.summary.funnel)
    assert shown.page.locator("#chart-sla circle").count() == len(shown.summary.sla_by_day)


def test_a_full_page_screenshot_is_kept_beside_the_demo_output(shown: Shown) -> None:
    head = SCREENSHOT.read_bytes()[:24]
    assert head.startswith(b"\x89PNG")
    height = int.from_bytes(head[20:24], "big")
    assert height > 2000  # the whole page, not the first screenful


def test_no_raw_identifier_is_shown(shown: Shown) -> None:
    text = shown.page.locator("body").inner_text()
    assert IDENTIFIER.findall(text) == []
