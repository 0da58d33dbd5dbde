"""One behavioural suite for the event store, run on SQLite (embedded) and PostgreSQL.

Whatever the backend, users rely on the same things: a case reads back exactly
as recorded, duplicates open no second case, concurrent writers lose nothing,
histories and as-of reads are exact, and the notification log the relay
follows holds every event once, in order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.bootstrap import build_cases
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import Channel
from complaint_events.settings import Settings
from stack_support import T0, complaint

pytestmark = pytest.mark.integration

Factory = Callable[[], ComplaintCases]


@pytest.fixture(params=["sqlite", "postgres"])
def open_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Factory]:
    """A factory of application instances sharing one fresh store of the given backend."""
    if request.param == "sqlite":
        settings = Settings(store="sqlite", sqlite_path=tmp_path / "events.sqlite")
    else:
        dsn = request.getfixturevalue("postgres_dsn")
        settings = Settings(store="postgres", postgres_dsn=dsn)
    opened: list[ComplaintCases] = []

    def factory() -> ComplaintCases:
        opened.append(build_cases(settings))
        return opened[-1]

    yield factory
    for app in opened:
        app.close()


def by(actor: str, hours: float = 0) -> Acting:
    return Acting(actor, T0 + timedelta(hours=hours))


def test_a_filed_case_reads_back_exactly(open_store: Factory) -> None:
    details = dataclasses.replace(
        complaint(1),
        price=Decimal("1234.56"),
        quantity=3,
        purchase_date=date(2026, 2, 20),
        delivered_on=date(2026, 2, 22),
    )
    outcome = open_store().file_complaint(details, by("adapter:web"))

    case = open_store().get_case(outcome.case_id)  # a second instance: nothing cached
    assert case.status is CaseStatus.FILED
    assert case.price == Decimal("1234.56")
    assert case.quantity == 3
    assert case.delivered_on == date(2026, 2, 22)
    due = case.running_deadlines[0].due_at
    assert due == T0 + timedelta(hours=24)


def test_duplicates_open_no_second_case(open_store: Factory) -> None:
    cases = open_store()
    first = cases.file_complaint(complaint(1), by("adapter:web"))
    again = cases.file_complaint(complaint(1), by("adapter:web", 1))
    other_channel = dataclasses.replace(complaint(1), channel=Channel.HOTLINE, channel_ref="h-1")
    dup = cases.file_complaint(other_channel, by("adapter:hotline", 2))

    assert (again.opened, again.case_id) == (False, first.case_id)
    assert (dup.opened, dup.case_id, dup.matched_on) == (False, first.case_id, "problem")
    names = [type(e).__name__ for e in cases.history(first.case_id)]
    assert names == ["ComplaintFiled", "DuplicateSubmissionRecorded"]
    assert len(list(cases.case_ids())) == 1


def test_a_batch_is_filed_in_one_transaction_with_contiguous_notifications(
    open_store: Factory,
) -> None:
    cases = open_store()
    outcomes = cases.file_complaints([(complaint(n), by("adapter:web")) for n in range(200)])
    assert all(o.opened for o in outcomes)
    notifications = cases.recorder.select_notifications(start=1, limit=1000)
    ids = [n.id for n in notifications]
    assert ids == list(range(ids[0], ids[0] + len(ids)))
    filed = [n for n in notifications if n.topic.endswith("ComplaintFiled")]
    assert [n.originator_id for n in filed] == [o.case_id for o in outcomes]


def test_concurrent_writers_lose_no_event(open_store: Factory) -> None:
    writer_a, writer_b = open_store(), open_store()
    case_id = writer_a.file_complaint(complaint(1), by("adapter:web")).case_id
    seen_versions: list[int] = []

    def escalate_while_another_writer_races(c: ComplaintCase) -> None:
        seen_versions.append(c.version)
        if len(seen_versions) == 1:  # another process writes between b's read and b's save
            writer_a.act(case_id, lambda other: other.escalate("racer", 1, by("handler:a", 1)))
        c.escalate("second", 2, by("handler:b", 2))

    outcome = writer_b.act(case_id, escalate_while_another_writer_races)

    assert seen_versions == [1, 2]  # b's first save conflicted; it reloaded and retried
    assert [e.originator_version for e in outcome.events] == [3]
    reasons = [e["reason"] for e in writer_a.get_case(case_id).escalations]
    assert reasons == ["racer", "second"]


def test_history_and_as_of_read(open_store: Factory) -> None:
    cases = open_store()
    case_id = cases.file_complaint(complaint(1), by("adapter:web")).case_id
    cases.act(
        case_id,
        lambda c: c.acknowledge(
            notification_id="n1", language="zh", soothing=False, by=by("system:ack", 1)
        ),
    )
    cases.act(
        case_id,
        lambda c: c.determine_liability(
            party="merchant",
            grounds=["defect"],
            rule_refs=["CPL-24"],
            reasoning="defect shown",
            testing_cost_payer="merchant",
            by=by("handler:h", 5),
        ),
    )

    before = cases.case_as_of(case_id, T0 + timedelta(hours=4))
    assert before is not None
    assert before.liability is None
    assert before.status is CaseStatus.VERIFYING
    after = cases.case_as_of(case_id, T0 + timedelta(hours=5))
    assert after is not None
    assert after.liability is not None
    assert cases.case_as_of(case_id, T0 - timedelta(seconds=1)) is None
    assert [e.originator_version for e in cases.history(case_id)] == [1, 2, 3]


def test_unknown_case_is_reported_as_such(open_store: Factory) -> None:
    cases = open_store()
    missing = complaint(999)
    unknown = ComplaintCase.create_id(missing.channel, missing.channel_ref)
    with pytest.raises(CaseNotFoundError, match=str(unknown)):
        cases.get_case(unknown)
    with pytest.raises(CaseNotFoundError):
        cases.history(unknown)
