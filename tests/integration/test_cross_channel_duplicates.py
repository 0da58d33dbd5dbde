"""One person, one order, one problem, three channels: one case, on the PostgreSQL store
(issue 14, point 5; docs/channels.md).

The messages are what the real adapters make of their inputs: the e-mail
adapter derives the consumer id from the sender's address, the hotline from the
caller's number, and the web form sends the platform account, so the three
carry three consumer ids for one person. The intake processor files them as the
intake workers do, each worker with its own connection to the store.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from complaint_events.adapters.secrets_file import load_secrets
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.erasure import erase_consumer
from complaint_events.bootstrap import build_cases
from complaint_events.clock import SimulatedClock
from complaint_events.consumers.channels.email_channel import normalise_email
from complaint_events.consumers.channels.hotline import normalise_call
from complaint_events.consumers.channels.outcomes import Accepted
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.processing.intake_processor import IntakeBatchReport, IntakeProcessor
from complaint_events.processing.messages import Incoming
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ACCOUNT = "u-77"
LIN_MAIL = "Lin Xiaoyan <Lin.Xiaoyan@Example.cn>"
LIN_PHONE = "+86 138-1234-5678"


def by_email(order: str, sender: str = LIN_MAIL) -> IntakeMessageV1:
    """What the e-mail adapter makes of a complaint mail."""
    raw = (
        f"From: {sender}\r\n"
        "To: complaints@platform.example\r\n"
        f"Subject: Kettle leaking - Order: {order}\r\n"
        "Date: Mon, 02 Mar 2026 08:30:00 +0800\r\n"
        f"Message-ID: <kettle-{order}@mail.example.cn>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        "\r\n"
        "The kettle leaks from the base, water all over the counter. Please refund.\r\n"
        "Merchant: m-warmhome-003\r\n"
        "SKU: SKU-KT-17\r\n"
        "Product: 1.7 L electric kettle\r\n"
        "Price: 199.00\r\n"
    ).encode()
    outcome = normalise_email(raw, Path("/nonexistent"), f"{order}.eml", _pseudonym_key())
    assert isinstance(outcome, Accepted), outcome
    return outcome.message


def by_phone(order: str, phone: str = LIN_PHONE) -> IntakeMessageV1:
    """What the hotline adapter makes of a call transcript (no account looked up)."""
    transcript = {
        "call_id": f"HL-{order}-{phone[-4:]}",
        "started_at": "2026-03-02T10:15:00+08:00",
        "caller": {"phone": phone, "name": "林小燕"},
        "order_id": order,
        "merchant_id": "m-warmhome-003",
        "sku": "SKU-KT-17",
        "product_name": "1.7 L 电热水壶",
        "price": "199.00",
        "tags": ["quality_defect"],
        "summary": "来电人反映水壶底部漏水。诉求：退货退款。",
        "transcript": [{"speaker": "caller", "at": "00:00:05", "text": "水壶底部漏水。"}],
    }
    raw = json.dumps(transcript, ensure_ascii=False).encode()
    outcome = normalise_call(raw, transcript["call_id"], _pseudonym_key())
    assert isinstance(outcome, Accepted), outcome
    return outcome.message


def by_web(order: str, channel: str = "web", email: str | None = "lin.xiaoyan@example.cn"):
    """What the API puts on the intake topic for a signed-in consumer's web form (or app)."""
    return IntakeMessageV1.model_validate(
        {
            "channel": channel,
            "channel_ref": f"consumer:{ACCOUNT}/{channel}-{order}",
            "received_at": "2026-03-02T03:00:00+00:00",
            "consumer": {
                "consumer_id": ACCOUNT,
                "name": "林小燕",
                "phone": "138 1234 5678",
                "email": email,
            },
            "order_id": order,
            "merchant_id": "m-warmhome-003",
            "sku": "SKU-KT-17",
            "product_name": "1.7 L electric kettle",
            "price": "199.00",
            "description": "The base of the kettle leaks.",
            "demand": "refund",
            "category": "quality_defect",
        }
    )


def _pseudonym_key() -> bytes:
    return load_secrets(Settings()).pseudonym_key  # the adapters' and the workers' key


def incoming(message: IntakeMessageV1) -> Incoming:
    return Incoming(message.model_dump_json().encode(), key=message.kafka_key())


@pytest.fixture
def workers(postgres_dsn: str) -> Iterator[Callable[[], IntakeProcessor]]:
    """``worker()``: another intake processor on its own connection to one fresh store."""
    settings = Settings(store="postgres", postgres_dsn=postgres_dsn)
    opened: list[ComplaintCases] = []

    def worker() -> IntakeProcessor:
        opened.append(build_cases(settings))
        return IntakeProcessor(opened[-1], SimulatedClock(T0))

    yield worker
    for cases in opened:
        cases.close()


def test_an_email_then_the_web_form_then_a_call_about_one_order_are_one_case(
    workers: Callable[[], IntakeProcessor],
) -> None:
    worker, other_worker = workers(), workers()
    mail, web, phone = by_email("T-3001"), by_web("T-3001"), by_phone("T-3001")
    # three channels, three consumer ids for one person
    assert len({m.consumer.consumer_id for m in (mail, web, phone)}) == 3

    first = worker.process([incoming(mail)])
    second = other_worker.process([incoming(web)])
    third = worker.process([incoming(phone)])

    assert first.opened == 1
    (case_id,) = {o.case_id for r in (first, second, third) for o in r.filed}
    assert [o.matched_on for o in (*second.filed, *third.filed)] == ["email", "phone"]
    cases = other_worker.cases
    assert [(d["channel"], d["matched_on"]) for d in cases.get_case(case_id).duplicates] == [
        ("web", "email"),
        ("hotline", "phone"),
    ]
    assert list(cases.case_ids()) == [case_id]
    # the second worker's store sees what the first wrote: nothing was kept in a process
    assert cases.get_case(case_id).channel.value == "email"


def test_the_web_form_then_an_email_and_a_call_in_one_batch_are_one_case(
    workers: Callable[[], IntakeProcessor],
) -> None:
    report = workers().process(
        [incoming(by_web("T-3002")), incoming(by_email("T-3002")), incoming(by_phone("T-3002"))]
    )

    assert report.opened == 1
    assert [o.matched_on for o in report.filed] == [None, "email", "phone"]
    assert len({o.case_id for o in report.filed}) == 1


def test_another_persons_call_and_email_about_the_same_order_open_their_own_cases(
    workers: Callable[[], IntakeProcessor],
) -> None:
    """A shared order (a household, a gift): the same order and problem from another
    phone number and another address is another person's complaint, theirs to pursue."""
    worker = workers()
    lin = worker.process([incoming(by_web("T-3003"))])

    others = worker.process(
        [
            incoming(by_phone("T-3003", phone="+86 139-8765-4321")),
            incoming(by_email("T-3003", sender="Chen Li <chen.li@example.cn>")),
        ]
    )

    assert lin.opened == 1
    assert others.opened == 2
    assert len({o.case_id for o in (*lin.filed, *others.filed)}) == 3
    assert worker.cases.get_case(lin.filed[0].case_id).duplicates == []


def test_three_workers_filing_the_web_form_the_app_and_a_call_at_once_open_one_case_each_order(
    workers: Callable[[], IntakeProcessor],
) -> None:
    """Each worker sees no case for any order and decides to open one; each order's
    index (one fixed id, written with the case) makes all but one write collide, and
    the others retry against what was written and find the case.

    The three are linked two by two (the account, the phone number), so one case is
    right whoever wins. An e-mail and a call that share no contact are not: which of
    them comes first decides whether the web form links them before they are filed
    (one case) or after (two; see docs/channels.md).
    """
    orders = [f"T-40{n:02d}" for n in range(12)]
    batches = [
        [incoming(by_web(o)) for o in orders],
        [incoming(by_web(o, channel="app", email=None)) for o in orders],
        [incoming(by_phone(o)) for o in orders],
    ]
    processors = [workers() for _ in batches]
    start = threading.Barrier(len(batches))
    reports: list[IntakeBatchReport] = []
    failures: list[BaseException] = []

    def run(processor: IntakeProcessor, batch: list[Incoming]) -> None:
        start.wait()
        try:
            reports.append(processor.process(batch))
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(processors, batches, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures
    assert len(reports) == 3
    cases = processors[0].cases
    case_ids = list(cases.case_ids())
    assert len(case_ids) == len(orders)  # one case per order, whoever won each race
    assert sum(r.opened for r in reports) == len(orders)
    for case_id in case_ids:
        case = cases.get_case(case_id)
        assert len(case.duplicates) == 2, (case.order_id, case.channel, case.duplicates)


def test_after_the_consumers_erasure_their_phone_number_finds_no_case(
    workers: Callable[[], IntakeProcessor],
) -> None:
    """Erasure destroys the consumer's key, and with it the sealed keyed hashes of their
    phone number and address that the order's index holds: they match nothing more."""
    worker = workers()
    web = worker.process([incoming(by_web("T-3005"))])
    erase_consumer(worker.cases, ACCOUNT, T0, timedelta(days=3 * 365), force=True)

    after = worker.process([incoming(by_phone("T-3005"))])

    assert after.opened == 1
    assert after.filed[0].case_id != web.filed[0].case_id
