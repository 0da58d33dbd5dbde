"""The batch detector's window: N complaints on one SKU within a window raise one alert."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_events.processing.batch_window import (
    NOTHING,
    BatchDecision,
    BatchPolicy,
    LinkToBatchAlert,
    RaiseBatchAlert,
    SkuWindow,
    batch_alert_id,
    record,
)

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
SKU = "sku-kettle-1"
DEFAULT_POLICY = BatchPolicy()


def case(n: int) -> UUID:
    return UUID(int=n)


Complaint = tuple[UUID, datetime]


def feed(
    complaints: Iterable[Complaint],
    policy: BatchPolicy = DEFAULT_POLICY,
    state: SkuWindow | None = None,
) -> tuple[SkuWindow, list[BatchDecision]]:
    """Record each complaint in turn; the final state and every decision but 'nothing'."""
    state = state or SkuWindow()
    decisions: list[BatchDecision] = []
    for case_id, filed_at in complaints:
        state, decision = record(state, case_id, filed_at, SKU, policy)
        if decision != NOTHING:
            decisions.append(decision)
    return state, decisions


def daily(count: int, start: int = 1, first_day: float = 0) -> list[Complaint]:
    """``count`` complaints, one a day from ``first_day``, cases numbered from ``start``."""
    return [(case(start + i), T0 + (first_day + i) * DAY) for i in range(count)]


def test_five_complaints_in_a_week_raise_one_alert_on_the_fifth() -> None:
    complaints = daily(5)
    state = SkuWindow()
    seen: list[BatchDecision] = []
    for case_id, filed_at in complaints:
        state, decision = record(state, case_id, filed_at, SKU, BatchPolicy())
        seen.append(decision)

    assert seen[:4] == [NOTHING] * 4
    assert seen[4] == RaiseBatchAlert(
        alert_id=batch_alert_id(SKU, case(1)),
        sku=SKU,
        case_ids=tuple(case(i) for i in range(1, 6)),
        raised_at=T0 + 4 * DAY,
        threshold=5,
        window=7 * DAY,
    )


def test_with_threshold_three_five_complaints_raise_once_then_link_twice() -> None:
    _, decisions = feed(daily(5), BatchPolicy(threshold=3))

    alert_id = batch_alert_id(SKU, case(1))
    assert decisions == [
        RaiseBatchAlert(alert_id, SKU, (case(1), case(2), case(3)), T0 + 2 * DAY, 3, 7 * DAY),
        LinkToBatchAlert(alert_id, SKU, case(4)),
        LinkToBatchAlert(alert_id, SKU, case(5)),
    ]


def test_complaints_spread_wider_than_the_window_raise_nothing() -> None:
    complaints = [(case(i), T0 + i * 2 * DAY) for i in range(1, 11)]  # 4 fall in any week

    state, decisions = feed(complaints)

    assert decisions == []
    assert state.alert is None
    assert len(state.complaints) == 4  # only the last week is kept


def test_complaints_a_whole_window_apart_are_not_within_it() -> None:
    # Exactly one window between the first and the fifth: no longer within it.
    complaints = [*daily(4), (case(5), T0 + 7 * DAY)]

    _, decisions = feed(complaints)

    assert decisions == []


def test_the_same_case_again_changes_nothing() -> None:
    policy = BatchPolicy(threshold=3)
    state, _ = feed(daily(2), policy)

    again, decision = record(state, case(2), T0 + DAY, SKU, policy)
    assert (again, decision) == (state, NOTHING)

    state, _ = feed(daily(4), policy, state)  # raises with 1-3, links 4
    for case_id, filed_at in daily(4):
        again, decision = record(state, case_id, filed_at, SKU, policy)
        assert (again, decision) == (state, NOTHING)


def test_the_alert_id_is_the_same_on_a_replay_and_differs_by_sku_and_batch() -> None:
    policy = BatchPolicy(threshold=3)
    _, first = feed(daily(3), policy)
    _, replayed = feed(daily(3), policy)  # after a crash the state is rebuilt from scratch

    assert first == replayed
    assert isinstance(first[0], RaiseBatchAlert)
    assert first[0].alert_id == str(UUID(first[0].alert_id))
    assert batch_alert_id(SKU, case(1)) != batch_alert_id("sku-other", case(1))
    assert batch_alert_id(SKU, case(1)) != batch_alert_id(SKU, case(2))


def test_after_the_alert_window_a_new_batch_raises_a_new_alert() -> None:
    policy = BatchPolicy(threshold=3)
    first_batch = daily(3)  # raised on day 2, open until day 9
    linked = [(case(10), T0 + 8 * DAY)]
    second_batch = daily(3, start=20, first_day=9)

    state, decisions = feed([*first_batch, *linked, *second_batch], policy)

    first_id, second_id = batch_alert_id(SKU, case(1)), batch_alert_id(SKU, case(20))
    assert [type(d) for d in decisions] == [RaiseBatchAlert, LinkToBatchAlert, RaiseBatchAlert]
    assert decisions[1] == LinkToBatchAlert(first_id, SKU, case(10))
    assert decisions[2] == RaiseBatchAlert(
        second_id, SKU, (case(20), case(21), case(22)), T0 + 11 * DAY, 3, 7 * DAY
    )
    assert state.alert is not None
    assert state.alert.alert_id == second_id
    # The first batch's cases belong to it: replayed now, they count for nothing.
    assert feed([*first_batch, *linked], policy, state) == (state, [])


def test_a_late_complaint_counts_by_its_filing_time() -> None:
    policy = BatchPolicy(threshold=3)
    # Filed on days 0, 2 and 1, arriving in that order: all within one week.
    complaints = [(case(1), T0), (case(2), T0 + 2 * DAY), (case(3), T0 + DAY)]

    _, decisions = feed(complaints, policy)

    assert decisions == [
        RaiseBatchAlert(
            batch_alert_id(SKU, case(1)),
            SKU,
            (case(1), case(3), case(2)),  # filing order, not arrival order
            T0 + 2 * DAY,
            3,
            7 * DAY,
        )
    ]


def test_a_late_complaint_filed_before_the_alert_is_linked_to_it() -> None:
    policy = BatchPolicy(threshold=3)
    state, _ = feed(daily(3, first_day=2), policy)  # raised on day 4

    _, decision = record(state, case(9), T0 + DAY, SKU, policy)

    assert decision == LinkToBatchAlert(batch_alert_id(SKU, case(1)), SKU, case(9))


def test_a_complaint_filed_more_than_a_window_before_the_newest_is_too_late() -> None:
    policy = BatchPolicy(threshold=2)
    state, _ = feed([(case(1), T0 + 20 * DAY)], policy)

    again, decision = record(state, case(2), T0 + 10 * DAY, SKU, policy)

    assert (again, decision) == (state, NOTHING)


def test_the_state_survives_a_json_round_trip() -> None:
    policy = BatchPolicy(threshold=3)
    state, _ = feed([*daily(4), *daily(2, start=10, first_day=12)], policy)
    assert state.alert is not None

    value = json.loads(json.dumps(state.to_value()))

    assert SkuWindow.from_value(value) == state
    assert SkuWindow.from_value(SkuWindow().to_value()) == SkuWindow()


def test_naive_times_and_nonsense_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        record(SkuWindow(), case(1), datetime(2024, 6, 3), SKU, BatchPolicy())
    with pytest.raises(ValueError, match="threshold"):
        BatchPolicy(threshold=0)
    with pytest.raises(ValueError, match="window"):
        BatchPolicy(window=timedelta(0))


# ------------------------------------------------------------------ properties

complaint_sets = st.lists(
    st.tuples(
        st.integers(min_value=1, max_value=40),
        st.integers(min_value=0, max_value=30 * 24),  # filed within 30 days, by the hour
    ),
    min_size=1,
    max_size=40,
    unique_by=lambda c: c[0],
).map(lambda found: [(case(n), T0 + timedelta(hours=h)) for n, h in found])


@st.composite
def deliveries(draw: st.DrawFn) -> tuple[list[Complaint], list[Complaint]]:
    """A set of complaints, and one way Kafka might deliver it: shuffled, some twice."""
    complaints = draw(complaint_sets)
    repeats = draw(st.lists(st.sampled_from(complaints), max_size=len(complaints)))
    delivered = draw(st.permutations([*complaints, *repeats]))
    return complaints, delivered


@settings(max_examples=300, deadline=None)
@given(
    deliveries(),
    st.integers(min_value=1, max_value=6),
    st.sampled_from([DAY, 3 * DAY, 7 * DAY]),
)
def test_however_complaints_are_delivered_at_most_one_alert_per_window(
    delivery: tuple[list[Complaint], list[Complaint]], threshold: int, window: timedelta
) -> None:
    complaints, delivered = delivery
    policy = BatchPolicy(threshold=threshold, window=window)

    state, decisions = feed(delivered, policy)

    raised = [d for d in decisions if isinstance(d, RaiseBatchAlert)]
    raised_at = [r.raised_at for r in raised]
    assert raised_at == sorted(raised_at)
    assert all(b - a >= window for a, b in pairwise(raised_at))
    assert len({r.alert_id for r in raised}) == len(raised)
    # Every case is decided about at most once: counted into one alert, or linked to one.
    decided = [c for r in raised for c in r.case_ids] + [
        d.case_id for d in decisions if isinstance(d, LinkToBatchAlert)
    ]
    assert len(decided) == len(set(decided))
    assert set(decided) <= {case_id for case_id, _ in complaints}
    for alert in raised:
        filed = sorted(t for case_id, t in complaints if case_id in alert.case_ids)
        assert len(alert.case_ids) >= threshold
        assert filed[-1] - filed[0] < window
    # Replaying everything again decides nothing new.
    assert feed(delivered, policy, state) == (state, [])


@settings(max_examples=200, deadline=None)
@given(complaint_sets, st.integers(min_value=1, max_value=6))
def test_in_filing_order_a_dense_week_always_raises_an_alert(
    complaints: list[Complaint], threshold: int
) -> None:
    policy = BatchPolicy(threshold=threshold)
    in_order = sorted(complaints, key=lambda c: (c[1], c[0]))
    times = [t for _, t in in_order]
    dense = any(
        sum(1 for t in times if start <= t < start + policy.window) >= threshold for start in times
    )

    _, decisions = feed(in_order, policy)

    assert any(isinstance(d, RaiseBatchAlert) for d in decisions) == dense
