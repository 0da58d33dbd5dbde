"""The handler console's test world: cases on the real stack, the API served, users signed in.

    with console_world(admin_dsn, kafka_bootstrap) as world:
        world.ids["A"]                      # merchant m-1's case (the consumer's contact on it)
        client = signed_in_client(world.app, "merchant:m-2")   # a TestClient with a session
        with served(world.app) as base_url: ...                # uvicorn on a free port
        world.process_commands()            # what `worker commands` does with new commands
        status, location = send_step(client, case_id, "close", note="…")
                                            # a step's form posted as the page prefilled it

Cases are filed and worked in the PostgreSQL event store, relayed to Kafka and
projected into the read models, as in production; the API's clock stands at
2026-03-01 09:00 UTC (``stack_app``), so case ``late`` (filed two days before)
is overdue and the others are due within a day. Case ``B`` (merchant m-2's) was
escalated after it was filed, so it has a past to look back on.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Final
from uuid import UUID

import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api_support import stack_app, token_for
from complaint_events.contracts.topology import COMMANDS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import Contact
from complaint_events.domain.values import LiabilityGround, Party
from complaint_events.processing.command_processor import CommandProcessor
from complaint_events.processing.messages import Incoming
from complaint_events.settings import Settings
from complaint_support import numbered_complaint
from database_support import fresh_stack_settings, stack_database
from stack_support import publish_and_project, read_topic
from waiting import wait_until

NOW: Final = datetime(2026, 3, 1, 9, tzinfo=UTC)
NAME: Final = "林小明"
PHONE: Final = "18312342807"
MASKED_NAME: Final = "林**"
MASKED_PHONE: Final = "183****2807"
CSRF_FIELD: Final = re.compile(r'name="csrf" value="([^"]*)"')


@dataclass
class ConsoleWorld:
    app: FastAPI
    settings: Settings
    ids: dict[str, UUID]
    processed: set[bytes] = field(default_factory=set)

    def commands(self) -> list[tuple[str, bytes]]:
        topic = self.settings.topic(COMMANDS_TOPIC)
        return [(k, v) for k, _, v in read_topic(self.settings.kafka_bootstrap, topic)]

    def process_commands(self) -> None:
        """Apply the commands not applied yet, recording their outcomes (``worker commands``)."""
        fresh = [(k, v) for k, v in self.commands() if v not in self.processed]
        state = self.app.state
        CommandProcessor(state.cases, state.clock, state.results).process(
            [Incoming(value=v, key=k.encode()) for k, v in fresh]
        )
        self.processed.update(v for _, v in fresh)


@contextmanager
def console_world(admin_dsn: str, kafka_bootstrap: str) -> Iterator[ConsoleWorld]:
    """Cases of merchants m-1 and m-2 filed, projected; the API on them; dropped afterwards."""
    with stack_database(admin_dsn) as dsn:
        settings = fresh_stack_settings(dsn, kafka_bootstrap)
        with stack_app(settings) as app:
            cases = app.state.cases
            details = {
                "A": numbered_complaint(
                    1,
                    NOW - timedelta(hours=1),
                    merchant_id="m-1",
                    contact=Contact(NAME, PHONE),
                    description=f"壶底漏水。我是{NAME}，电话{PHONE}",
                ),
                "late": numbered_complaint(2, NOW - timedelta(days=2), merchant_id="m-1"),
                "B": numbered_complaint(3, NOW - timedelta(hours=2), merchant_id="m-2"),
            }
            outcomes = cases.file_complaints(
                [(d, Acting("adapter:web", d.received_at)) for d in details.values()]
            )
            ids = dict(zip(details, (o.case_id for o in outcomes), strict=True))
            cases.act(ids["B"], lambda c: c.escalate("安全隐患", 1, Acting("handler:h-1", NOW)))
            publish_and_project(settings, cases)
            yield ConsoleWorld(app, settings, ids)


def merchant_found_liable_and_a_fresh_case(world: ConsoleWorld) -> tuple[UUID, UUID]:
    """Two more cases of merchant m-1, filed 4 and 5 hours before NOW: on the first, the
    merchant was found liable for a defect; the second is just filed."""
    cases = world.app.state.cases
    more = [numbered_complaint(n, NOW - timedelta(hours=n), merchant_id="m-1") for n in (4, 5)]
    liable, fresh = cases.file_complaints([(d, Acting("adapter:web", d.received_at)) for d in more])
    cases.act(
        liable.case_id,
        lambda c: c.determine_liability(
            party=Party.MERCHANT, grounds=[LiabilityGround.DEFECT], rule_refs=["CPL-24"],
            reasoning="壶底漏水", testing_cost_payer=Party.MERCHANT,
            by=Acting("handler:h-1", NOW),
        ),
    )  # fmt: skip
    return liable.case_id, fresh.case_id


def sign_in_form_csrf(html: str) -> str:
    found = CSRF_FIELD.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)


def signed_in_client(app: FastAPI, principal: str) -> TestClient:
    """A TestClient whose console session is ``principal``'s (signed in through the form)."""
    client = TestClient(app)
    csrf = sign_in_form_csrf(client.get("/console/sign-in").text)
    answer = client.post(
        "/console/sign-in",
        data={"token": token_for(principal), "csrf": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    return client


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """``app`` on a real uvicorn server on a port the system picks; its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, name="console-uvicorn", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, timeout=20, what="the console's server to start")
        port = server.servers[0].sockets[0].getsockname()[1]
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


class _StepForm(HTMLParser):
    """The values a browser would send for one step's form, as the page prefilled them."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self._select: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self.inside = (named.get("action") or "").endswith(f"/steps/{self.step}")
        if not self.inside:
            return
        name = named.get("name")
        if tag == "input" and name:
            self.values.setdefault(name, []).append(named.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            self._first_option = "" if "multiple" in named else None
            self.values.setdefault(name, [])
        elif tag == "option" and self._select:
            if self._first_option is None:
                self._first_option = named.get("value") or ""
            if "selected" in named:
                self.values[self._select].append(named.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = self.values[self._select]
            if not chosen and self._first_option:
                chosen.append(self._first_option)  # a single select sends its first option
            self._select, self._first_option = None, None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.values[self._textarea][0] += data


def prefilled_form(html: str, step: str) -> dict[str, list[str]]:
    """The fields of the step's form on a case page, with the values the page put in them."""
    parser = _StepForm(step)
    parser.feed(html)
    assert parser.values, f"the page offers no {step} form"
    return parser.values


def send_step(client: TestClient, case_id: UUID, step: str, **changes: str) -> tuple[int, str]:
    """Post the step's form as prefilled, with ``changes``; the answer's status and location."""
    page = client.get(f"/console/cases/{case_id}")
    assert page.status_code == 200, page.text
    values = {**prefilled_form(page.text, step), **{k: [v] for k, v in changes.items()}}
    answer = client.post(
        f"/console/cases/{case_id}/steps/{step}", data=values, follow_redirects=False
    )
    return answer.status_code, answer.headers.get("location", answer.text)
