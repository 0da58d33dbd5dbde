"""The handler console's guards on the real stack: cookies, CSRF, masking, bounds.

The pages themselves are driven in a browser by tests/e2e/test_console_in_a_browser.py;
here a TestClient checks what a browser does not show: the cookie's flags, a
forged form refused before anything is sent, what a merchant's page never
holds, and the limits on filters and paging.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api_support import token_for
from complaint_events.console.queue import MAX_PAGES
from console_support import (
    MASKED_NAME,
    MASKED_PHONE,
    NAME,
    PHONE,
    ConsoleWorld,
    console_world,
    sign_in_form_csrf,
    signed_in_client,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def world(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[ConsoleWorld]:
    with console_world(postgres_admin_dsn, kafka_bootstrap) as built:
        yield built


def _session_cookie_header(answer_headers: list[str]) -> str:
    found = [h for h in answer_headers if h.startswith("ce_console=")]
    assert len(found) == 1, answer_headers
    return found[0]


def test_the_session_cookie_is_httponly_strict_and_limited_to_the_console(
    world: ConsoleWorld,
) -> None:
    client = TestClient(world.app)
    csrf = sign_in_form_csrf(client.get("/console/sign-in").text)
    answer = client.post(
        "/console/sign-in",
        data={"token": token_for("handler:h-7"), "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/queue"
    cookie = _session_cookie_header(answer.headers.get_list("set-cookie"))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=strict", "path=/console"} <= flags
    assert "secure" not in flags  # plain http on the local machine


def test_over_https_the_session_cookie_is_secure(world: ConsoleWorld) -> None:
    client = TestClient(world.app, base_url="https://console.example")
    csrf = sign_in_form_csrf(client.get("/console/sign-in").text)
    answer = client.post(
        "/console/sign-in",
        data={"token": token_for("auditor:a-1"), "csrf": csrf},
        follow_redirects=False,
    )
    cookie = _session_cookie_header(answer.headers.get_list("set-cookie"))
    assert "secure" in {part.strip().lower() for part in cookie.split(";")}


def test_a_sign_in_without_the_forms_csrf_token_is_refused(world: ConsoleWorld) -> None:
    client = TestClient(world.app)
    client.get("/console/sign-in")
    for csrf in ("", "forged"):
        answer = client.post(
            "/console/sign-in",
            data={"token": token_for("handler:h-7"), "csrf": csrf},
            follow_redirects=False,
        )
        assert answer.status_code == 403
        assert "ce_console=" not in "".join(answer.headers.get_list("set-cookie"))


def test_tokens_that_are_no_console_users_do_not_sign_in(world: ConsoleWorld) -> None:
    client = TestClient(world.app)
    for token in ("nobody's", token_for("consumer:c-1"), token_for("adapter:web"), "x" * 600):
        csrf = sign_in_form_csrf(client.get("/console/sign-in").text)
        answer = client.post(
            "/console/sign-in", data={"token": token, "csrf": csrf}, follow_redirects=False
        )
        assert answer.status_code == 401
        assert "令牌无效" in answer.text
    page = client.get("/console/queue", follow_redirects=False)
    assert (page.status_code, page.headers["location"]) == (303, "/console/sign-in")
    assert client.get("/console/queue/rows").status_code == 401


def test_a_step_posted_without_the_sessions_csrf_token_sends_nothing(
    world: ConsoleWorld,
) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    case = world.ids["late"]
    before = len(world.commands())
    body = {"items": "订单截图", "idempotency_key": "k-1"}
    for csrf in (None, "forged", sign_in_form_csrf(handler.get("/console/sign-in").text)):
        sent = body if csrf is None else {**body, "csrf": csrf}
        answer = handler.post(
            f"/console/cases/{case}/steps/request_information", data=sent, follow_redirects=False
        )
        assert answer.status_code == 403
    assert len(world.commands()) == before
    signed_out = handler.post("/console/sign-out", data={"csrf": "forged"})
    assert signed_out.status_code == 403
    assert handler.get("/console/queue", follow_redirects=False).status_code == 200


def test_a_step_with_the_right_token_is_sent_once_per_idempotency_key(
    world: ConsoleWorld,
) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    case = world.ids["late"]
    page = handler.get(f"/console/cases/{case}")
    csrf = re.findall(r'name="csrf" value="([^"]+)"', page.text)[-1]
    before = len(world.commands())
    body = {"items": "订单截图\n开箱视频", "idempotency_key": "console-once", "csrf": csrf}
    first = handler.post(
        f"/console/cases/{case}/steps/request_information", data=body, follow_redirects=False
    )
    again = handler.post(
        f"/console/cases/{case}/steps/request_information", data=body, follow_redirects=False
    )
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    assert "?command=" in first.headers["location"]
    assert len(world.commands()) == before + 1
    empty = handler.post(
        f"/console/cases/{case}/steps/request_information",
        data={**body, "items": "", "idempotency_key": "console-empty"},
    )
    assert empty.status_code == 422
    assert "items" in empty.text
    assert len(world.commands()) == before + 1


def test_a_merchant_sees_its_own_case_masked_and_no_one_elses(world: ConsoleWorld) -> None:
    merchant = signed_in_client(world.app, "merchant:m-1")
    page = merchant.get(f"/console/cases/{world.ids['A']}")
    assert page.status_code == 200
    assert MASKED_NAME in page.text
    assert MASKED_PHONE in page.text
    for secret in (NAME, PHONE):
        assert secret not in page.text
    assert 'data-step="' not in page.text  # no evidence requested: nothing for it to do
    queue = merchant.get("/console/queue?status=all")
    assert str(world.ids["A"]) in queue.text
    assert str(world.ids["B"]) not in queue.text
    hidden = merchant.get(f"/console/cases/{world.ids['B']}")
    assert hidden.status_code == 404
    unknown = merchant.get("/console/cases/00000000-0000-0000-0000-000000000000")
    assert (unknown.status_code, unknown.text.count("没有这个投诉单")) == (404, 1)
    past = merchant.get(f"/console/cases/{world.ids['A']}?as_of=2026-03-01T08:30:00Z")
    assert past.status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        f"page={MAX_PAGES + 1}",
        "status=bogus",
        "route=" + "r" * 65,
        "queue=a%20b",
        "stauts=open",
        "page=1&page=2",
    ],
)
def test_filters_and_paging_are_bounded(world: ConsoleWorld, query: str) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    for path in ("/console/queue", "/console/queue/rows"):
        assert handler.get(f"{path}?{query}").status_code == 422


def test_the_queue_counts_and_orders_the_most_urgent_first(world: ConsoleWorld) -> None:
    handler = signed_in_client(world.app, "handler:h-7")
    rows = handler.get("/console/queue/rows?status=open&page=1")
    assert rows.status_code == 200
    order = re.findall(r'data-case="([0-9a-f-]+)"', rows.text)
    assert order[0] == str(world.ids["late"])
    assert set(order) == {str(i) for i in world.ids.values()}
    assert re.search(r'data-testid="overdue">1<', rows.text)
    assert "<html" not in rows.text  # a fragment, for the page's refresh
    english = handler.get("/console/queue?lang=en")
    assert "Overdue" in english.text
    assert "Overdue" in handler.get("/console/queue").text  # the choice is remembered
