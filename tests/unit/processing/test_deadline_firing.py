"""The deadline keeper's reads of the case store: many cases at once, each as ``get_case`` has it.

Runs on the eventsourcing library's in-memory and SQLite recorders; the
PostgreSQL query (one statement for many cases) is exercised by the end-to-end
keeper suites and ``bench/deadline_lag.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.refusals import CaseNotFoundError
from complaint_events.bootstrap import open_cases
from complaint_events.domain.acting import Acting
from complaint_events.domain.values import DeadlineKind
from complaint_events.processing.deadline_firing import pendings_of
from complaint_events.processing.deadline_schedule import pending_from_case
from stack_support import complaint

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["popo", "sqlite"])
def cases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ComplaintCases]:
    if request.param == "popo":
        env = {"PERSISTENCE_MODULE": "eventsourcing.popo"}
    else:
        env = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(tmp_path / "db")}
    app = open_cases(env=env)
    yield app
    app.close()


def file_three(cases: ComplaintCases) -> list[UUID]:
    """Three cases; the second acknowledged, so its acknowledgement deadline is met."""
    ids = [
        o.case_id
        for o in cases.file_complaints(
            [(complaint(n), Acting("adapter:web", T0)) for n in (1, 2, 3)]
        )
    ]
    cases.act(
        ids[1],
        lambda c: c.acknowledge(
            notification_id="n-2",
            language="zh",
            soothing=False,
            by=Acting("system:ack", T0 + timedelta(minutes=5)),
        ),
    )
    return ids


def test_many_cases_read_at_once_are_the_cases_read_one_by_one(cases: ComplaintCases) -> None:
    ids = file_three(cases)

    found = cases.get_cases([*ids, ids[0]])

    assert list(found) == ids
    for case_id in ids:
        one = cases.get_case(case_id)
        assert found[case_id].version == one.version
        assert found[case_id].deadlines == one.deadlines


def test_pendings_of_many_cases_are_their_open_deadlines(cases: ComplaintCases) -> None:
    ids = file_three(cases)

    pendings = pendings_of(cases, ids)

    assert set(pendings) == set(ids)
    assert pendings[ids[1]] == ()  # acknowledged: nothing left to fire
    for case_id in (ids[0], ids[2]):
        (pending,) = pendings[case_id]
        assert pending.kind is DeadlineKind.ACKNOWLEDGEMENT
        assert pendings[case_id] == pending_from_case(
            case_id, cases.get_case(case_id).deadlines.values()
        )


def test_an_unknown_case_raises_unless_missing_cases_are_skipped(cases: ComplaintCases) -> None:
    (known, *_) = file_three(cases)
    unknown = uuid.uuid4()

    with pytest.raises(CaseNotFoundError) as raised:
        pendings_of(cases, [known, unknown])

    assert raised.value.case_id == unknown
    assert set(pendings_of(cases, [known, unknown], skip_missing=True)) == {known}
    assert cases.get_cases([unknown]) == {}
