"""The handler console in a real browser (Debian's Chromium) against the API on the stack.

A handler signs in, finds a case in the queue, determines liability with the
rules' suggestion, and sees the command accepted and the event in the
timeline; merchant m-2 cannot open merchant m-1's case; an auditor looks at a
case as it stood before its last event; a lead reads the dashboard in both
languages. Every page is kept as a screenshot in
the test's output folder and in demo-output/console/ (CI keeps that folder).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import Browser, Page, expect

from api_support import token_for
from browser_support import headless_chromium
from console_support import ConsoleWorld, console_world, served
from waiting import wait_until

pytestmark = pytest.mark.e2e

REPO: Final = Path(__file__).resolve().parents[2]
KEPT: Final = REPO / "demo-output" / "console"


@pytest.fixture(scope="module")
def world(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[ConsoleWorld]:
    with console_world(postgres_admin_dsn, kafka_bootstrap) as built:
        yield built


@pytest.fixture(scope="module")
def base_url(world: ConsoleWorld) -> Iterator[str]:
    with served(world.app) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with headless_chromium() as chromium:
        yield chromium


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("console-screenshots")


def keep(page: Page, shots: Path, name: str) -> None:
    """A full-page screenshot in the test's folder, copied to demo-output/console/."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    KEPT.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, KEPT / path.name)


def sign_in(browser: Browser, base_url: str, principal: str) -> Page:
    page = browser.new_context(locale="zh-CN").new_page()
    page.goto(f"{base_url}/console/")
    page.fill("#token", token_for(principal))
    page.click("button[type=submit]")
    expect(page.get_by_test_id("who")).to_have_text(principal)
    return page


def test_a_handler_determines_liability_and_sees_it_in_the_timeline(
    world: ConsoleWorld, base_url: str, browser: Browser, shots: Path
) -> None:
    page = sign_in(browser, base_url, "handler:h-7")
    case_a = str(world.ids["A"])
    rows = page.locator("tr[data-case]")
    expect(rows).to_have_count(3)
    expect(rows.first).to_have_attribute("data-case", str(world.ids["late"]))  # overdue first
    expect(page.get_by_test_id("overdue")).to_have_text("1")
    keep(page, shots, "1-queue-handler")

    page.click(f"tr[data-case='{case_a}'] a")
    expect(page.get_by_test_id("case-id")).to_have_text(case_a)
    expect(page.get_by_test_id("chain")).to_contain_text("✔")
    expect(page.get_by_test_id("contact")).to_contain_text("林小明")
    keep(page, shots, "2-case-handler")

    step = page.locator("details[data-step=determine_liability]")
    step.locator("summary").click()
    expect(step.locator("textarea[name=rule_refs]")).not_to_have_value("")  # the suggestion
    before = len(world.commands())
    step.locator("button[type=submit]").click()
    expect(page.get_by_test_id("outcome")).to_be_visible()
    wait_until(lambda: len(world.commands()) > before, timeout=20, what="the command on Kafka")
    world.process_commands()

    expect(page.locator("[data-testid=outcome][data-state=accepted]")).to_be_visible(timeout=20000)
    expect(page.locator("tr[data-event=LiabilityDetermined]")).to_have_count(1)
    expect(page.locator("tr[data-event=LiabilityDetermined]")).to_contain_text("handler:h-7")
    expect(page.get_by_test_id("status")).to_have_attribute("data-status", "liability_determined")
    expect(page.get_by_test_id("status")).to_have_text("已定责")  # words, not the identifier
    expect(page.locator("tr[data-event=LiabilityDetermined]")).to_contain_text("已认定责任")
    keep(page, shots, "3-case-after-liability")


def test_merchant_b_cannot_open_merchant_as_case(
    world: ConsoleWorld, base_url: str, browser: Browser, shots: Path
) -> None:
    page = sign_in(browser, base_url, "merchant:m-2")
    expect(page.locator("tr[data-case]")).to_have_count(1)
    expect(page.locator(f"tr[data-case='{world.ids['B']}']")).to_have_count(1)
    keep(page, shots, "4-queue-merchant-b")

    answer = page.goto(f"{base_url}/console/cases/{world.ids['A']}")
    assert answer is not None
    assert answer.status == 404
    expect(page.get_by_test_id("message")).to_have_text("没有这个投诉单")
    expect(page.locator("body")).not_to_contain_text("林小明")
    keep(page, shots, "5-merchant-b-refused")


def test_an_auditor_sees_a_case_as_it_stood(
    world: ConsoleWorld, base_url: str, browser: Browser, shots: Path
) -> None:
    page = sign_in(browser, base_url, "auditor:a-1")
    page.goto(f"{base_url}/console/cases/{world.ids['B']}?lang=en")
    expect(page.get_by_test_id("no-actions")).to_be_visible()  # auditors only read
    expect(page.locator("tr[data-event]")).to_have_count(2)
    slider = page.locator("[data-action=as-of-slider]")
    slider.fill("0")
    page.click(".asof-form button[type=submit]")
    expect(page.get_by_test_id("as-of-banner")).to_contain_text("The case as it stood at")
    expect(page.locator("tr[data-event]")).to_have_count(1)
    expect(page.locator("tr[data-event]").first).to_have_attribute("data-event", "ComplaintFiled")
    keep(page, shots, "6-auditor-as-of")


def test_a_lead_reads_the_dashboard_and_switches_its_language(
    world: ConsoleWorld, base_url: str, browser: Browser, shots: Path
) -> None:
    page = sign_in(browser, base_url, "handler:h-7")  # a lead signs in with a handler token
    page.get_by_test_id("nav-dashboard").click()
    expect(page.locator("h1")).to_have_text("组长看板")
    expect(page.get_by_test_id("open-overdue")).to_have_text("1")  # case "late", as in the queue
    page.fill("input[name=days]", "7")
    page.click("form.filters button[type=submit]")
    expect(page.locator("tr[data-day]")).to_have_count(7)
    expect(page.locator("tr[data-day='2026-02-27'] td").nth(1)).to_have_text("1")
    expect(page.get_by_test_id("sla-total")).to_contain_text("3")  # the three cases filed

    page.get_by_test_id("lang-switch").click()
    expect(page.locator("h1")).to_have_text("Lead's dashboard")
    assert "days=7" in page.url
    expect(page.locator("tr[data-day]")).to_have_count(7)  # the span kept across the switch
    keep(page, shots, "7-dashboard-lead")
