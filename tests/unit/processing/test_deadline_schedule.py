"""The deadline keeper's schedule: which reminders and expiries are due (docs/deadlines.md)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast
from unittest.mock import patch
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_events.domain.deadlines import DeadlinePolicy, DeadlineState
from complaint_events.domain.values import DeadlineKind
from complaint_events.processing import deadline_schedule
from complaint_events.processing.deadline_schedule import (
    Action,
    DeadlineSchedule,
    DueAction,
    PendingDeadline,
    pending_from_case,
)

K = DeadlineKind
T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
CASE = UUID("00000000-0000-4000-8000-000000000001")
OTHER = UUID("00000000-0000-4000-8000-000000000002")
POLICY = DeadlinePolicy()


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def started(kind: DeadlineKind, version: int, hours: float = 0) -> PendingDeadline:
    """The pending deadline of a clock of ``kind`` started on CASE at ``hours``."""
    deadline = POLICY.start(kind, f"{kind.value}@{version}", at(hours))
    (pending,) = pending_from_case(CASE, [deadline])
    return pending


def remind(pending: PendingDeadline) -> DueAction:
    assert pending.remind_at is not None
    return DueAction(
        pending.case_id, pending.deadline_id, pending.kind, Action.REMIND, pending.remind_at
    )


def expire(pending: PendingDeadline) -> DueAction:
    return DueAction(
        pending.case_id, pending.deadline_id, pending.kind, Action.EXPIRE, pending.due_at
    )


# ------------------------------------------------------------ reminders, expiries


def test_reminder_comes_before_expiry() -> None:
    info = started(K.INFORMATION, 3)  # 72 h, reminder at 48 h
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [info])

    assert schedule.next_due_at() == at(48)
    assert schedule.due(at(47.9)) == []
    assert schedule.due(at(48)) == [remind(info)]
    schedule.replace(CASE, [replace(info, reminded=True)])  # DeadlineReminderSent arrived
    assert schedule.next_due_at() == at(72)
    assert schedule.due(at(71.9)) == []
    assert schedule.due(at(72)) == [expire(info)]


def test_a_deadline_already_due_is_expired_without_a_reminder() -> None:
    info = started(K.INFORMATION, 3)
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [info])

    # The keeper was down from before the reminder until after the due time.
    assert schedule.due(at(80)) == [expire(info)]
    assert schedule.due(at(200)) == [expire(info)]  # resent: the expiry never arrived


def test_a_reminded_deadline_is_not_reminded_again() -> None:
    info = started(K.INFORMATION, 3)
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [info])
    assert schedule.due(at(48)) == [remind(info)]

    schedule.replace(CASE, [replace(info, reminded=True)])

    assert schedule.due(at(60)) == []
    assert schedule.next_due_at() == at(72)


def test_a_deadline_recorded_as_reminded_is_never_reminded() -> None:
    info = replace(started(K.INFORMATION, 3), reminded=True)
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [info])

    assert schedule.due(at(71)) == []
    assert schedule.due(at(72)) == [expire(info)]


def test_a_met_deadline_fires_nothing() -> None:
    evidence = started(K.MERCHANT_EVIDENCE, 4)  # 48 h, reminder at 36 h
    ack = started(K.ACKNOWLEDGEMENT, 1)
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [ack, evidence])

    schedule.replace(CASE, [evidence])  # acknowledged in time
    assert schedule.due(at(30)) == []
    schedule.replace(CASE, [])  # the merchant answered

    assert schedule.due(at(100)) == []
    assert schedule.next_due_at() is None
    assert len(schedule) == 0
    assert schedule.cases() == 0


def test_a_paused_deadline_never_fires_while_the_spot_check_runs() -> None:
    answer = POLICY.start(K.REMEDY_ANSWER, "remedy_answer@7", at(0))
    spot = POLICY.start(K.SPOT_CHECK, "spot_check@8", at(10))
    schedule = DeadlineSchedule()
    schedule.replace(CASE, pending_from_case(CASE, [answer]))

    schedule.replace(CASE, pending_from_case(CASE, [answer.pause(at(10)), spot]))

    assert [p.deadline_id for p in schedule.pendings(CASE)] == ["spot_check@8"]
    assert schedule.due(at(48)) == []  # the reminder would have been due
    assert schedule.due(at(72)) == []  # and the deadline itself
    assert schedule.due(at(10 + 7 * 24)) == [
        DueAction(CASE, "spot_check@8", K.SPOT_CHECK, Action.EXPIRE, at(10 + 7 * 24))
    ]


def test_a_resumed_deadline_fires_at_its_new_time_not_the_old() -> None:
    answer = POLICY.start(K.REMEDY_ANSWER, "remedy_answer@7", at(0))  # remind 48 h, due 72 h
    paused = answer.pause(at(10))
    schedule = DeadlineSchedule()
    schedule.replace(CASE, pending_from_case(CASE, [answer]))
    schedule.replace(CASE, pending_from_case(CASE, [paused]))

    # The spot-check result is recorded 30 hours later: the clock is pushed back by 30 h.
    resumed = paused.resume(*paused.resumed_due_at(at(40)))
    schedule.replace(CASE, pending_from_case(CASE, [resumed]))
    (pending,) = schedule.pendings(CASE)

    assert (pending.remind_at, pending.due_at) == (at(78), at(102))
    assert schedule.due(at(77)) == []  # nothing at the old 48 h and 72 h
    assert schedule.due(at(78)) == [remind(pending)]
    schedule.replace(CASE, [replace(pending, reminded=True)])
    assert schedule.due(at(101)) == []
    assert schedule.due(at(102)) == [expire(pending)]


def test_a_deadline_paused_and_resumed_at_once_fires_again() -> None:
    ack = started(K.ACKNOWLEDGEMENT, 1)
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [ack])
    assert schedule.due(at(24)) == [expire(ack)]  # a paused deadline ignores this command

    schedule.replace(CASE, [])  # paused by a spot check ordered at 24 h
    schedule.replace(CASE, [ack])  # resumed at once: same due time

    assert schedule.due(at(24) + MIN) == [expire(ack)]


# ------------------------------------------------------------ repeats and resends


def test_an_action_is_returned_once_then_resent_after_resend_after() -> None:
    ack = started(K.ACKNOWLEDGEMENT, 1)
    schedule = DeadlineSchedule(resend_after=timedelta(minutes=10))
    schedule.replace(CASE, [ack])

    assert schedule.due(at(24)) == [expire(ack)]
    assert schedule.due(at(24) + 9 * MIN) == []
    schedule.replace(CASE, [ack])  # another event of the case: still pending
    assert schedule.next_due_at() == at(24) + 10 * MIN
    assert schedule.due(at(24) + 10 * MIN) == [expire(ack)]  # the command was lost
    assert schedule.due(at(24) + 19 * MIN) == []
    assert schedule.due(at(24) + 20 * MIN) == [expire(ack)]
    schedule.replace(CASE, [])  # DeadlineExpired arrived

    assert schedule.due(at(30)) == []


def test_a_reminder_in_flight_is_not_resent_once_the_deadline_is_due() -> None:
    evidence = started(K.MERCHANT_EVIDENCE, 4)  # reminder at 36 h, due at 48 h
    schedule = DeadlineSchedule(resend_after=24 * H)
    schedule.replace(CASE, [evidence])

    assert schedule.due(at(36)) == [remind(evidence)]
    assert schedule.due(at(60)) == [expire(evidence)]


def test_a_reminder_overtaken_by_its_expiry_is_due_again_once_the_deadline_is_due_later() -> None:
    # Found by the brute-force comparison below: the reminder keeps its time,
    # so it kept no heap entry, though its old one had been dropped as overtaken.
    refund = PendingDeadline(CASE, "refund@3", K.REFUND, at(0), at(0) - 80 * MIN)
    schedule = DeadlineSchedule(resend_after=MIN)
    schedule.replace(CASE, [refund])
    assert schedule.due(at(0) + 5 * MIN) == [expire(refund)]  # the reminder is overtaken

    later = replace(refund, due_at=at(0) + 6 * MIN)  # same reminder time, due later
    schedule.replace(CASE, [later])

    assert schedule.next_due_at() == later.remind_at  # as a schedule loaded afresh says
    assert schedule.due(at(0) + 5 * MIN) == [remind(later)]
    assert schedule.due(at(0) + 6 * MIN) == [expire(later)]


def test_resend_after_must_be_positive() -> None:
    with pytest.raises(ValueError, match="resend_after"):
        DeadlineSchedule(resend_after=timedelta(0))


def test_limit_returns_the_earliest_and_leaves_the_rest_due() -> None:
    schedule = DeadlineSchedule()
    cases = [UUID(int=n) for n in range(1, 6)]
    for n, case_id in enumerate(cases):
        deadline = POLICY.start(K.ACKNOWLEDGEMENT, "acknowledgement@1", at(-n))
        schedule.replace(case_id, pending_from_case(case_id, [deadline]))

    first = schedule.due(at(30), limit=2)
    second = schedule.due(at(30), limit=2)
    third = schedule.due(at(30), limit=2)

    assert [a.due_at for a in first] == [at(20), at(21)]
    assert [a.due_at for a in second] == [at(22), at(23)]
    assert [a.due_at for a in third] == [at(24)]
    assert schedule.due(at(30), limit=2) == []
    assert schedule.due(at(30), limit=0) == []


# ------------------------------------------------------------ restarts and storage


def test_load_after_a_restart_gives_the_same_due_actions() -> None:
    before = DeadlineSchedule()
    before.replace(CASE, [started(K.INFORMATION, 3), started(K.MERCHANT_EVIDENCE, 4)])
    before.replace(OTHER, pending_from_case(OTHER, [POLICY.start(K.REFUND, "refund@9", at(1))]))
    after = DeadlineSchedule()
    after.load((case_id, before.pendings(case_id)) for case_id in (CASE, OTHER))

    assert (len(after), after.cases()) == (3, 2)
    assert after.next_due_at() == before.next_due_at()
    for hours in (36, 48, 72, 200):
        assert after.due(at(hours)) == before.due(at(hours))


def test_load_forgets_what_was_returned_before_the_restart() -> None:
    ack = started(K.ACKNOWLEDGEMENT, 1)
    schedule = DeadlineSchedule()
    schedule.replace(CASE, [ack])
    assert schedule.due(at(24)) == [expire(ack)]

    schedule.load([(CASE, [ack])])

    assert schedule.due(at(24) + MIN) == [expire(ack)]  # the command may have been lost


def test_malformed_pendings_are_refused() -> None:
    ack = started(K.ACKNOWLEDGEMENT, 1)
    schedule = DeadlineSchedule()

    with pytest.raises(ValueError, match="timezone-aware"):
        replace(ack, due_at=datetime(2024, 6, 4, 9, 0))
    with pytest.raises(ValueError, match="another case"):
        schedule.replace(OTHER, [ack])
    with pytest.raises(ValueError, match="repeat"):
        schedule.replace(CASE, [ack, ack])


def test_pending_from_case_keeps_only_open_deadlines() -> None:
    deadlines = [
        POLICY.start(K.ACKNOWLEDGEMENT, "acknowledgement@1", T0).finish(DeadlineState.MET),
        POLICY.start(K.INFORMATION, "information@3", T0).pause(at(1)),
        POLICY.start(K.MERCHANT_EVIDENCE, "merchant_evidence@4", T0),
        POLICY.start(K.REFUND, "refund@9", T0).finish(DeadlineState.CANCELLED),
    ]

    assert [p.deadline_id for p in pending_from_case(CASE, deadlines)] == ["merchant_evidence@4"]


def test_stale_entries_do_not_pile_up() -> None:
    schedule = DeadlineSchedule()
    ack = started(K.ACKNOWLEDGEMENT, 1)
    for n in range(5000):  # e.g. a deadline restarted over and over
        schedule.replace(CASE, [replace(ack, due_at=at(24 + n / 60))])

    assert len(schedule._heap) <= 2 + deadline_schedule._COMPACT_SLACK
    assert schedule.next_due_at() == at(24 + 4999 / 60)


# ------------------------------------------------------------ against a brute-force reference


class Reference:
    """The rules of DeadlineSchedule written the slow, obvious way."""

    def __init__(self, resend_after: timedelta) -> None:
        self.resend_after = resend_after
        self.pending: dict[UUID, tuple[PendingDeadline, ...]] = {}
        self.sent: dict[tuple[UUID, str, Action], datetime] = {}
        self.now: datetime | None = None

    @staticmethod
    def actions(pendings: tuple[PendingDeadline, ...]) -> dict[tuple[str, Action], datetime]:
        found = {}
        for p in pendings:
            found[p.deadline_id, Action.EXPIRE] = p.due_at
            if p.remind_at is not None and not p.reminded:
                found[p.deadline_id, Action.REMIND] = p.remind_at
        return found

    def replace(self, case_id: UUID, pendings: tuple[PendingDeadline, ...]) -> None:
        old, new = self.actions(self.pending.get(case_id, ())), self.actions(pendings)
        for key, when in old.items():
            if new.get(key) != when:
                self.sent.pop((case_id, *key), None)
        self.pending[case_id] = pendings

    def restart(self) -> None:
        self.sent = {}
        self.now = None

    def firing(self) -> list[tuple[datetime, UUID, str, Action, PendingDeadline, datetime]]:
        """Every action that can still fire: (fire at, ..., its pending, its due time)."""
        rows = []
        for case_id, pendings in self.pending.items():
            for p in pendings:
                for (deadline_id, action), when in self.actions((p,)).items():
                    sent = self.sent.get((case_id, deadline_id, action))
                    fire_at = when if sent is None else sent + self.resend_after
                    if action is Action.REMIND and (
                        fire_at >= p.due_at or (self.now is not None and p.due_at <= self.now)
                    ):
                        continue
                    rows.append((fire_at, case_id, deadline_id, action, p, when))
        return sorted(rows, key=lambda row: row[:4])

    def due(self, now: datetime, limit: int | None) -> list[DueAction]:
        self.now = now
        rows = [row for row in self.firing() if row[0] <= now][:limit]
        for _, case_id, deadline_id, action, _, _ in rows:
            self.sent[case_id, deadline_id, action] = now
        return [DueAction(r[1], r[2], r[4].kind, r[3], r[5]) for r in rows]

    def next_due_at(self) -> datetime | None:
        rows = self.firing()
        return rows[0][0] if rows else None


CASES = [UUID(int=n) for n in range(1, 4)]
IDS = ["acknowledgement@1", "information@2", "refund@3"]
# Times are drawn relative to the clock when the step runs, so that pendings
# added late, already overdue, or with a reminder already past are all common.
offsets = st.integers(min_value=-90, max_value=180)
PendingSpec = tuple[str, DeadlineKind, int, int | None, bool]


@st.composite
def case_pendings(draw: st.DrawFn) -> tuple[UUID, list[PendingSpec]]:
    case_id = draw(st.sampled_from(CASES))
    ids = draw(st.lists(st.sampled_from(IDS), unique=True, max_size=3))
    kinds = st.sampled_from(list(DeadlineKind))
    return case_id, [
        (i, draw(kinds), draw(offsets), draw(st.none() | offsets), draw(st.booleans())) for i in ids
    ]


def build(case_id: UUID, specs: list[PendingSpec], now: datetime) -> tuple[PendingDeadline, ...]:
    return tuple(
        PendingDeadline(
            case_id,
            deadline_id,
            kind,
            now + due * MIN,
            None if rem is None else now + rem * MIN,
            done,
        )
        for deadline_id, kind, due, rem, done in specs
    )


steps = st.one_of(
    st.tuples(st.just("replace"), case_pendings()),
    st.tuples(
        st.just("tick"),
        st.tuples(
            (st.integers(0, 5) | st.integers(0, 150)).map(lambda m: m * MIN),
            st.none() | st.integers(0, 3),
        ),
    ),
    st.tuples(st.just("restart"), st.booleans()),
)


@pytest.mark.parametrize("compact_slack", [0, 1024])
@settings(max_examples=400, deadline=None)
@given(resend_minutes=st.integers(1, 40), operations=st.lists(steps, max_size=40))
def test_due_agrees_with_a_brute_force_reference(
    compact_slack: int, resend_minutes: int, operations: list[tuple[str, object]]
) -> None:
    resend_after = resend_minutes * MIN
    schedule, reference = DeadlineSchedule(resend_after), Reference(resend_after)
    now = T0
    with patch.object(deadline_schedule, "_COMPACT_SLACK", compact_slack):
        for kind, arguments in operations:
            if kind == "replace":
                case_id, specs = cast(tuple[UUID, list[PendingSpec]], arguments)
                pendings = build(case_id, specs, now)
                schedule.replace(case_id, pendings)
                reference.replace(case_id, pendings)
            elif kind == "tick":
                step, limit = cast(tuple[timedelta, int | None], arguments)
                now += step
                assert schedule.due(now, limit) == reference.due(now, limit)
            else:  # a restart: a new instance, or a rebalance: the same one
                kept = {c: schedule.pendings(c) for c in CASES}
                if arguments:
                    schedule = DeadlineSchedule(resend_after)
                schedule.load(kept.items())
                reference.restart()
            assert schedule.next_due_at() == reference.next_due_at()
            assert len(schedule) == sum(len(p) for p in reference.pending.values())
            assert schedule.cases() == sum(1 for p in reference.pending.values() if p)
