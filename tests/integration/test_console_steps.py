"""The console's step forms on the real stack: each sent as its command, its outcome shown.

A handler offers the remedy the rules suggest and then closes the case,
escalates another, requests the merchant's evidence; merchant m-1 then
submits it on its own case and is not offered (nor allowed) a handler's step;
a command refused when applied shows its reason. Each form is posted as the page
prefilled it (``console_support.send_step``), the command is taken from Kafka
and applied as ``worker commands`` does, and the outcome and the timeline are
read back through the console. The language switch keeps a page's query and
never points at a form's POST-only address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from complaint_events.labels import label
from console_support import (
    ConsoleWorld,
    console_world,
    merchant_found_liable_and_a_fresh_case,
    send_step,
    signed_in_client,
)
from stack_support import publish_and_project

pytestmark = pytest.mark.integration

SWITCH = re.compile(r'href="([^"]*)" data-testid="lang-switch"')


@pytest.fixture(scope="module")
def world(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[ConsoleWorld]:
    """The console's world, case ``liable`` whose merchant m-1 was found liable, and case
    ``twice`` (merchant m-1's, just filed)."""
    with console_world(postgres_admin_dsn, kafka_bootstrap) as built:
        cases = built.app.state.cases
        built.ids["liable"], built.ids["twice"] = merchant_found_liable_and_a_fresh_case(built)
        publish_and_project(built.settings, cases)
        yield built


def _applied(world: ConsoleWorld, client: TestClient, location: str) -> str:
    """Apply the command the step sent; the outcome box the page then shows."""
    command = location.rpartition("?command=")[2]
    world.process_commands()
    answer = client.get(f"/console/commands/{command}")
    assert answer.status_code == 200
    return answer.text


def _events(client: TestClient, case_id: UUID) -> list[str]:
    page = client.get(f"/console/cases/{case_id}")
    return re.findall(r'<tr data-event="([A-Za-z]+)">', page.text)


def test_a_handler_offers_the_suggested_remedy_and_then_closes_the_case(
    world: ConsoleWorld,
) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    case = world.ids["liable"]
    code, location = send_step(handler, case, "offer_remedy")
    assert code == 303, location
    assert 'data-state="accepted"' in _applied(world, handler, location)
    assert _events(handler, case)[-1] == "RemedyOffered"
    page = handler.get(f"/console/cases/{case}").text
    assert 'data-testid="status" data-status="remedy_offered">' in page

    code, location = send_step(handler, case, "close", resolution="withdrawn", note="消费者撤诉")
    assert code == 303, location
    assert 'data-state="accepted"' in _applied(world, handler, location)
    assert _events(handler, case)[-1] == "CaseClosed"
    page = handler.get(f"/console/cases/{case}").text
    assert 'data-testid="status" data-status="closed">' in page
    assert 'data-step="close"' not in page  # a closed case is not closed again


def test_a_refused_command_shows_its_reason(world: ConsoleWorld) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    case = world.ids["twice"]
    code, first = send_step(handler, case, "close", resolution="withdrawn")
    assert code == 303, first
    code, second = send_step(handler, case, "close", resolution="withdrawn", note="再次结案")
    assert code == 303, second  # both sent before either is applied
    assert 'data-state="accepted"' in _applied(world, handler, first)
    refused = handler.get(f"/console/commands/{second.rpartition('?command=')[2]}").text
    assert 'data-state="rejected"' in refused
    assert "closed" in refused  # the reason: the case is closed already
    assert _events(handler, case).count("CaseClosed") == 1


def test_a_handler_escalates_a_case(world: ConsoleWorld) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    case = world.ids["B"]  # escalated to level 1 when it was filed
    code, location = send_step(handler, case, "escalate", level="2", reason="媒体关注")
    assert code == 303, location
    assert 'data-state="accepted"' in _applied(world, handler, location)
    assert _events(handler, case).count("CaseEscalated") == 2
    assert "<dd>2</dd>" in handler.get(f"/console/cases/{case}").text


def test_a_merchant_submits_the_evidence_a_handler_requested(world: ConsoleWorld) -> None:
    merchant = signed_in_client(world.app, "merchant:m-1")
    case = world.ids["A"]
    assert 'data-step="' not in merchant.get(f"/console/cases/{case}").text  # nothing asked yet
    handler = signed_in_client(world.app, "handler:h-7")
    code, location = send_step(handler, case, "request_merchant_evidence", questions="质检报告？")
    assert code == 303, location
    assert 'data-state="accepted"' in _applied(world, handler, location)
    page = merchant.get(f"/console/cases/{case}").text
    assert re.findall(r'data-step="([a-z_]+)"', page) == ["submit_evidence"]
    before = len(world.commands())
    code, refused = send_step(
        merchant, case, "submit_evidence", evidence="quality_certificate", explanation="x"
    )
    assert code == 422  # a line without its link: refused by the command's contract
    assert "uri" in refused
    forbidden = merchant.post(
        f"/console/cases/{case}/steps/determine_liability", data={"csrf": "whatever"}
    )
    assert forbidden.status_code == 403
    assert len(world.commands()) == before

    code, location = send_step(
        merchant,
        case,
        "submit_evidence",
        evidence="quality_certificate https://files.example/qc-2026.pdf\n"
        "purchase_voucher https://files.example/invoice.pdf",
        explanation="出厂检验合格，附进货凭证",
    )
    assert code == 303, location
    assert 'data-state="accepted"' in _applied(world, merchant, location)
    timeline = merchant.get(f"/console/cases/{case}").text
    row = re.search(r'<tr data-event="MerchantEvidenceSubmitted">.*?</tr>', timeline, re.S)
    assert row is not None
    assert "merchant:m-1" in row.group(0)
    assert len(world.commands()) == before + 1


def test_a_merchant_may_not_act_on_another_merchants_case(world: ConsoleWorld) -> None:
    merchant = signed_in_client(world.app, "merchant:m-2")
    page = merchant.get(f"/console/cases/{world.ids['B']}").text
    csrf = re.findall(r'name="csrf" value="([^"]+)"', page)[-1]
    before = len(world.commands())
    answer = merchant.post(
        f"/console/cases/{world.ids['A']}/steps/submit_evidence",
        data={"csrf": csrf, "evidence": "other https://files.example/x", "explanation": "x"},
    )
    assert answer.status_code == 404  # as for a case that does not exist
    assert len(world.commands()) == before


def test_statuses_show_as_words_in_the_page_s_language(world: ConsoleWorld) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    for lang in ("zh", "en"):
        rows = handler.get(f"/console/queue?status=all&lang={lang}").text
        shown = re.findall(r'<td data-status="(\w+)">([^<↑]+)', rows)
        assert shown, rows
        for status, words in shown:
            assert words.strip() == getattr(label(status), lang), (status, words)


def test_the_language_switch_keeps_the_query_and_never_points_at_a_form(
    world: ConsoleWorld,
) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    queue = handler.get("/console/queue?status=all&route=standard&page=1&lang=en")
    [switch] = SWITCH.findall(queue.text)
    assert switch == "/console/queue?status=all&amp;route=standard&amp;page=1&amp;lang=zh"
    assert handler.get(switch.replace("&amp;", "&")).status_code == 200

    case = world.ids["late"]
    code, refused = send_step(handler, case, "request_information", items="")
    assert code == 422
    [switch] = SWITCH.findall(refused)
    assert switch == f"/console/cases/{case}?lang=en"
    assert handler.get(switch).status_code == 200

    expired = handler.post("/console/sign-out", data={"csrf": "forged"})  # now in English
    assert expired.status_code == 403
    [switch] = SWITCH.findall(expired.text)
    assert switch == "/console/queue?lang=zh"
