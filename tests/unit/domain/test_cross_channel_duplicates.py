"""The same person's complaint about the same order and problem, from two channels, is one
case even when the channels gave them two consumer ids (issue 14, point 5; docs/channels.md).

The e-mail adapter derives a consumer id from the address, the hotline from the phone
number, the web form sends the platform account: three ids for one person. The
match is on the order, the problem (SKU + category) and a keyed hash of the
normalised phone number or e-mail address.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.erasure import erase_consumer
from complaint_events.application.secrets import identity_digest
from complaint_events.bootstrap import open_cases, store_ports
from complaint_events.domain.complaint import ComplaintDetails, Contact
from complaint_events.domain.values import Channel, ProblemCategory

Details = Callable[..., ComplaintDetails]

ACCOUNT = "u-1"
MAIL_ID = "email:3f9a0c"  # what the e-mail adapter derives from the address
CALL_ID = "phone:81be44"  # what the hotline derives from the caller's number


def web(details: Details, **changes: Any) -> ComplaintDetails:
    """The web form: the platform account, with the phone and address of the profile."""
    contact = Contact(name="林小燕", phone="13812345678", email="lin.xiaoyan@example.cn")
    return details(
        **{"channel": Channel.WEB, "channel_ref": "web-1", "consumer_id": ACCOUNT,
           "contact": contact, **changes}
    )  # fmt: skip


def mail(details: Details, address: str = " Lin.Xiaoyan@Example.CN", **changes: Any):
    """An e-mail: only the sender's address (written as the mail client wrote it)."""
    contact = Contact(name="Lin Xiaoyan", email=address)
    return details(
        **{"channel": Channel.EMAIL, "channel_ref": "mail-1", "consumer_id": MAIL_ID,
           "contact": contact, **changes}
    )  # fmt: skip


def call(details: Details, phone: str = "+86 138-1234-5678", **changes: Any):
    """A hotline call: only the caller's number (as the switchboard shows it)."""
    contact = Contact(name="林小燕", phone=phone)
    return details(
        **{"channel": Channel.HOTLINE, "channel_ref": "call-1", "consumer_id": CALL_ID,
           "contact": contact, **changes}
    )  # fmt: skip


def duplicates_of(app: ComplaintCases, case_id) -> list[tuple[str, str, str]]:
    return [
        (d["channel"], d["channel_ref"], d["matched_on"]) for d in app.get_case(case_id).duplicates
    ]


def test_an_email_and_a_call_after_the_web_form_are_recorded_on_its_case(
    app: ComplaintCases, details: Details, by
) -> None:
    first = app.file_complaint(web(details), by.adapter(0))

    by_mail = app.file_complaint(mail(details), by.adapter(2))
    by_phone = app.file_complaint(call(details), by.adapter(5))

    assert first.opened
    assert (by_mail.opened, by_mail.case_id, by_mail.matched_on) == (False, first.case_id, "email")
    assert (by_phone.opened, by_phone.case_id, by_phone.matched_on) == (
        False,
        first.case_id,
        "phone",
    )
    assert duplicates_of(app, first.case_id) == [
        ("email", "mail-1", "email"),
        ("hotline", "call-1", "phone"),
    ]
    assert list(app.case_ids()) == [first.case_id]


def test_an_email_then_the_web_form_then_a_call_is_one_case(
    app: ComplaintCases, details: Details, by
) -> None:
    """The web form shows that the address and the phone number are one person's: the
    call, which knows only the number, finds the case the e-mail opened."""
    first = app.file_complaint(mail(details), by.adapter(0))

    by_web = app.file_complaint(web(details), by.adapter(1))
    by_phone = app.file_complaint(call(details), by.adapter(2))

    assert first.opened
    assert (by_web.case_id, by_web.matched_on) == (first.case_id, "email")
    assert (by_phone.case_id, by_phone.matched_on) == (first.case_id, "phone")
    assert len(duplicates_of(app, first.case_id)) == 2
    assert list(app.case_ids()) == [first.case_id]


def test_a_call_and_an_email_that_share_no_contact_are_two_cases(
    app: ComplaintCases, details: Details, by
) -> None:
    """Nothing says the caller wrote the e-mail: two cases, which a handler may link."""
    by_mail = app.file_complaint(mail(details), by.adapter(0))
    by_phone = app.file_complaint(call(details), by.adapter(1))

    assert by_mail.opened
    assert by_phone.opened


def test_an_email_and_a_call_filed_before_the_web_form_links_them_stay_two_cases(
    app: ComplaintCases, details: Details, by
) -> None:
    """Cases are not merged afterwards: the web form is recorded on the first case it
    matches (the e-mail's), and the call's case stays its own for a handler to link."""
    by_mail = app.file_complaint(mail(details), by.adapter(0))
    by_phone = app.file_complaint(call(details), by.adapter(1))

    by_web = app.file_complaint(web(details), by.adapter(2))

    assert (by_web.opened, by_web.case_id, by_web.matched_on) == (False, by_mail.case_id, "email")
    assert by_phone.opened
    assert list(app.case_ids()) == [by_mail.case_id, by_phone.case_id]


def test_another_person_on_the_same_order_and_problem_opens_their_own_case(
    app: ComplaintCases, details: Details, by
) -> None:
    """A shared order (a gift, a household): same order and problem, but another phone
    number and address is another person, whose complaint is theirs to pursue."""
    first = app.file_complaint(web(details), by.adapter(0))

    other = app.file_complaint(
        call(details, phone="139 8765 4321", consumer_id="phone:other", channel_ref="call-2"),
        by.adapter(1),
    )
    other_mail = app.file_complaint(
        mail(details, address="chen.li@example.cn", consumer_id="email:other"), by.adapter(2)
    )

    assert other.opened
    assert other.case_id != first.case_id
    assert other_mail.opened
    assert other_mail.case_id not in {first.case_id, other.case_id}
    assert duplicates_of(app, first.case_id) == []


def test_the_same_phone_on_another_problem_or_another_order_opens_its_own_case(
    app: ComplaintCases, details: Details, by
) -> None:
    first = app.file_complaint(web(details), by.adapter(0))

    other_problem = app.file_complaint(
        call(details, category=ProblemCategory.NOT_AS_DESCRIBED), by.adapter(1)
    )
    other_order = app.file_complaint(
        call(details, channel_ref="call-2", order_id="o-2"), by.adapter(2)
    )
    other_product = app.file_complaint(
        call(details, channel_ref="call-3", sku="sku-other"), by.adapter(3)
    )

    assert all(o.opened for o in (other_problem, other_order, other_product))
    assert len({first.case_id, other_problem.case_id, other_order.case_id}) == 3


def test_the_same_phone_past_the_window_opens_a_new_case(
    app: ComplaintCases, details: Details, by
) -> None:
    first = app.file_complaint(web(details), by.adapter(0))

    later = app.file_complaint(call(details), by.adapter(30 * 24 + 1))
    # within the window of the new case, the web form by the same number is its duplicate
    again = app.file_complaint(web(details, channel_ref="web-2"), by.adapter(30 * 24 + 2))

    assert later.opened
    assert later.case_id != first.case_id
    assert (again.case_id, again.matched_on) == (later.case_id, "phone")


def test_the_web_form_the_email_and_the_call_in_one_batch_open_one_case(
    app: ComplaintCases, details: Details, by
) -> None:
    outcomes = app.file_complaints(
        [
            (mail(details), by.adapter(0)),
            (web(details), by.adapter(0)),
            (call(details), by.adapter(0)),
        ]
    )

    assert [(o.opened, o.matched_on) for o in outcomes] == [
        (True, None),
        (False, "email"),
        (False, "phone"),
    ]
    assert {o.case_id for o in outcomes} == {outcomes[0].case_id}
    assert list(app.case_ids()) == [outcomes[0].case_id]


def test_a_redelivered_call_records_nothing_more(app: ComplaintCases, details: Details, by) -> None:
    first = app.file_complaint(web(details), by.adapter(0))
    app.file_complaint(call(details), by.adapter(1))
    events_before = len(app.recorder.select_notifications(start=1, limit=1000))

    again = app.file_complaint(call(details), by.adapter(2))

    assert (again.opened, again.case_id) == (False, first.case_id)
    assert duplicates_of(app, first.case_id) == [("hotline", "call-1", "phone")]
    assert len(app.recorder.select_notifications(start=1, limit=1000)) == events_before


def test_the_store_holds_neither_the_contact_nor_its_keyed_hash_in_clear(
    app: ComplaintCases, details: Details, by
) -> None:
    app.file_complaint(mail(details), by.adapter(0))
    app.file_complaint(web(details), by.adapter(1))  # learned: phone and account
    app.file_complaint(call(details), by.adapter(2))

    stored = b"".join(n.state for n in app.recorder.select_notifications(start=1, limit=1000))
    digests = [
        identity_digest(app.pseudonym_key, "phone", "+8613812345678"),
        identity_digest(app.pseudonym_key, "email", "lin.xiaoyan@example.cn"),
        identity_digest(app.pseudonym_key, "consumer", ACCOUNT),
    ]
    for secret in (
        "13812345678",
        "1234-5678",
        "lin.xiaoyan",
        *(d.partition(":")[2] for d in digests),
    ):
        assert secret.encode() not in stored


def test_after_an_erasure_the_consumer_is_no_longer_recognised_by_phone(
    app: ComplaintCases, details: Details, by
) -> None:
    """Erasure destroys the consumer's key, and with it the sealed keyed hashes of their
    phone number and address: nothing links a later complaint to the old case."""
    first = app.file_complaint(web(details), by.adapter(0))
    erase_consumer(app, ACCOUNT, by.adapter(1).at, timedelta(days=3 * 365), force=True)

    after = app.file_complaint(call(details), by.adapter(2))

    assert after.opened
    assert after.case_id != first.case_id


class RacingCases(ComplaintCases):
    """A worker that lets another worker file just before its own first write."""

    racer: Callable[[], object] | None = None

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        racer, self.racer = self.racer, None
        if racer is not None:
            racer()
        return super().save(*objs, **kwargs)


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[tuple[RacingCases, ComplaintCases]]:
    """Two intake workers writing one store (a SQLite file), one pseudonym key."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "cases.sqlite"),
    }
    key, kek = b"p" * 32, b"k" * 32
    first, second = (
        RacingCases(env=env, pseudonym_key=key, ports=store_ports("sqlite", kek)),
        open_cases(env=env, pseudonym_key=key, key_encryption_key=kek),
    )
    yield first, second
    first.close()
    second.close()


def test_two_workers_filing_the_web_form_and_the_call_at_once_open_one_case(
    two_workers: tuple[RacingCases, ComplaintCases], details: Details, by
) -> None:
    """Both see no case and decide to open one; the order problem's index (one fixed id)
    makes the second write collide, and that worker retries and finds the call's case."""
    one, other = two_workers
    raced: list[object] = []
    one.racer = lambda: raced.append(other.file_complaint(call(details), by.adapter(0)))

    by_web = one.file_complaint(web(details), by.adapter(0))

    assert len(raced) == 1
    by_phone = raced[0]
    assert by_phone.opened  # type: ignore[attr-defined]
    assert (by_web.opened, by_web.case_id, by_web.matched_on) == (
        False,
        by_phone.case_id,  # type: ignore[attr-defined]
        "phone",
    )
    assert list(other.case_ids()) == [by_web.case_id]
