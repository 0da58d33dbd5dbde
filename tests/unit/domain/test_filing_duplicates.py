"""Filing through the application: duplicates open no second case (docs/lifecycle.md, Intake),
batches open one case each, and a command retries a concurrent writer's conflict."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import open_cases
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import Channel, ProblemCategory


def event_names(app: ComplaintCases, case_id) -> list[str]:
    return [type(e).__name__ for e in app.history(case_id)]


def test_refiling_the_same_channel_message_opens_nothing_and_records_nothing(
    app, details, by
) -> None:
    first = app.file_complaint(details(), by.adapter(0))

    again = app.file_complaint(details(), by.adapter(1))

    assert first.opened
    assert not again.opened
    assert again.case_id == first.case_id
    assert again.matched_on == "channel_ref"
    assert event_names(app, first.case_id) == ["ComplaintFiled"]
    assert list(app.case_ids()) == [first.case_id]


def test_the_same_problem_from_another_channel_is_recorded_on_the_existing_case(
    app, details, by
) -> None:
    first = app.file_complaint(details(), by.adapter(0))

    duplicate = app.file_complaint(
        details(channel=Channel.HOTLINE, channel_ref="call-7"), by.adapter(5)
    )

    assert not duplicate.opened
    assert duplicate.case_id == first.case_id
    assert duplicate.matched_on == "problem"
    assert event_names(app, first.case_id) == ["ComplaintFiled", "DuplicateSubmissionRecorded"]
    assert app.get_case(first.case_id).duplicates[0]["channel_ref"] == "call-7"
    assert list(app.case_ids()) == [first.case_id]


def test_replaying_the_same_duplicate_message_records_nothing_more(app, details, by) -> None:
    first = app.file_complaint(details(), by.adapter(0))
    hotline = details(channel=Channel.HOTLINE, channel_ref="call-7")
    app.file_complaint(hotline, by.adapter(5))

    replay = app.file_complaint(hotline, by.adapter(6))

    assert replay.case_id == first.case_id
    assert not replay.opened
    assert event_names(app, first.case_id) == ["ComplaintFiled", "DuplicateSubmissionRecorded"]


def test_a_different_problem_on_the_same_order_opens_its_own_case(app, details, by) -> None:
    first = app.file_complaint(details(), by.adapter(0))

    other = app.file_complaint(
        details(
            channel=Channel.APP, channel_ref="app-2", category=ProblemCategory.NOT_AS_DESCRIBED
        ),
        by.adapter(1),
    )

    assert other.opened
    assert other.case_id != first.case_id


def test_the_same_problem_after_the_window_opens_a_new_case(details, by) -> None:
    app = open_cases(
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"},
        duplicate_window=timedelta(days=30),
    )
    first = app.file_complaint(details(), by.adapter(0))

    later = app.file_complaint(
        details(channel=Channel.HOTLINE, channel_ref="call-9"), by.adapter(30 * 24 + 1)
    )
    # within the window of the new case, a further submission is its duplicate
    again = app.file_complaint(
        details(channel=Channel.EMAIL, channel_ref="mail-3"), by.adapter(30 * 24 + 2)
    )

    assert later.opened
    assert later.case_id != first.case_id
    assert event_names(app, first.case_id) == ["ComplaintFiled"]
    assert again.case_id == later.case_id
    assert not again.opened
    app.close()


def test_a_batch_of_50_distinct_complaints_opens_50_cases(app, details, by) -> None:
    batch = [
        (details(channel_ref=f"web-{n}", order_id=f"o-{n}"), by.adapter(n / 60)) for n in range(50)
    ]

    outcomes = app.file_complaints(batch)

    assert all(o.opened for o in outcomes)
    ids = [o.case_id for o in outcomes]
    assert len(set(ids)) == 50
    assert list(app.case_ids()) == ids
    assert app.get_case(ids[49]).order_id == "o-49"


def test_duplicates_inside_one_batch_open_one_case(app, details, by) -> None:
    outcomes = app.file_complaints(
        [
            (details(), by.adapter(0)),
            (details(), by.adapter(0)),
            (details(channel=Channel.CHAT, channel_ref="chat-1"), by.adapter(0)),
        ]
    )

    assert [o.opened for o in outcomes] == [True, False, False]
    assert {o.case_id for o in outcomes} == {outcomes[0].case_id}
    assert event_names(app, outcomes[0].case_id) == [
        "ComplaintFiled",
        "DuplicateSubmissionRecorded",
    ]


@pytest.fixture
def two_apps(tmp_path: Path) -> Iterator[tuple[ComplaintCases, ComplaintCases]]:
    """Two application instances writing one SQLite file, as two workers would."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(tmp_path / "cases.sqlite"),
    }
    first, second = open_cases(env=env), open_cases(env=env)
    yield first, second
    first.close()
    second.close()


def test_act_retries_when_another_writer_got_there_first(two_apps, details, by) -> None:
    one, other = two_apps
    case_id = one.file_complaint(details(), by.adapter(0)).case_id
    attempts: list[int] = []

    def assign_after_a_concurrent_acknowledgement(case: ComplaintCase) -> None:
        attempts.append(case.version)
        if len(attempts) == 1:
            # the other worker acknowledges between our read and our write
            other.act(
                case_id,
                lambda c: c.acknowledge(
                    notification_id="n-1", language="zh", soothing=False, by=by.system(1)
                ),
            )
        case.assign("h2", by=by.handler(2))

    outcome = one.act(case_id, assign_after_a_concurrent_acknowledgement)

    assert attempts == [1, 2]  # the retry saw the other writer's event
    assert [type(e).__name__ for e in outcome.events] == ["CaseAssigned"]
    assert event_names(one, case_id) == ["ComplaintFiled", "AcknowledgementSent", "CaseAssigned"]
    final = other.get_case(case_id)
    assert final.assignee == "h2"
    assert final.status is CaseStatus.VERIFYING


def test_act_records_nothing_when_the_command_changes_nothing(app, details, by) -> None:
    case_id = app.file_complaint(details(), by.adapter(0)).case_id

    outcome = app.act(case_id, lambda c: c.send_reminder("acknowledgement@1", by.system(1)))

    assert outcome.events == ()
    assert event_names(app, case_id) == ["ComplaintFiled"]


def test_every_stored_event_is_timed_by_the_configured_clock(app, details, by) -> None:
    """The duplicate index's events too: they took the wall clock before (issue 14)."""
    first = app.file_complaint(details(), by.adapter(0))
    app.file_complaint(details(channel=Channel.HOTLINE, channel_ref="call-7"), by.adapter(5))
    app.file_complaint(details(channel_ref="later"), by.adapter(24 * 40))  # past the window
    notifications = app.recorder.select_notifications(start=1, limit=100)
    events = [app.mapper.to_domain_event(n) for n in notifications]
    assert {type(e).__name__ for e in events} >= {"ProblemIndexed", "ProblemReindexed"}
    allowed = {by.adapter(h).at for h in (0, 5, 24 * 40)}
    assert {e.timestamp for e in events} <= allowed, [
        (type(e).__name__, e.timestamp) for e in events if e.timestamp not in allowed
    ]
    assert first.opened
