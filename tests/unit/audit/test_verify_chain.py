"""verify_chain names the first bad event: altered, removed, reordered or inserted."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from audit_support import IN_MEMORY, Doc, chained_case, documents, moved, rehashed
from complaint_events.application.cases import ComplaintCases
from complaint_events.audit.verify import VerifyReport, cross_check, verify_chain
from complaint_events.bootstrap import open_cases


@pytest.fixture
def cases() -> Iterator[ComplaintCases]:
    app = open_cases(env=IN_MEMORY)
    yield app
    app.close()


@pytest.fixture
def chain(cases: ComplaintCases) -> list[Doc]:
    """Five good events of one case: filed, acknowledged, assessed, liability, remedy."""
    return documents(cases, chained_case(cases))


def interleave(one: list[Doc], two: list[Doc]) -> list[Doc]:
    return [d for pair in itertools.zip_longest(one, two) for d in pair if d is not None]


def first(report: VerifyReport) -> tuple[str, int | None, str]:
    problem = report.first_problem
    assert problem is not None, "expected a bad event"
    assert not report.ok
    return problem.case_id, problem.sequence, problem.kind


def test_a_good_chain_is_ok(chain: list[Doc]) -> None:
    report = verify_chain(chain)
    assert report.ok
    assert report.first_problem is None
    assert report.checked == 5
    assert report.chains[chain[0]["case_id"]] == tuple(d["hash"] for d in chain)


def test_an_altered_payload_is_named(chain: list[Doc]) -> None:
    chain[3]["payload"]["party"] = "consumer"
    report = verify_chain(chain)
    assert first(report) == (chain[0]["case_id"], 4, "altered")
    assert "does not match its hash" in report.problems[0].detail


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "handler:someone-else"),
        ("reason", "other"),
        ("recorded_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_altered_metadata_is_named(chain: list[Doc], field: str, value: str) -> None:
    chain[1][field] = value
    assert first(verify_chain(chain))[1:] == (2, "altered")


def test_an_altered_and_rehashed_event_is_named_by_the_next_link(chain: list[Doc]) -> None:
    chain[1]["payload"]["language"] = "en"
    chain[1] = rehashed(chain[1])
    problem = verify_chain(chain).first_problem
    assert problem is not None
    assert (problem.sequence, problem.kind) == (2, "altered")
    assert "rewritten" in problem.detail


def test_a_removed_event_is_named(chain: list[Doc]) -> None:
    del chain[2]
    report = verify_chain(chain)
    assert first(report)[1:] == (3, "removed")
    assert "event 3 is missing" in report.problems[0].detail


def test_a_removed_first_event_is_named(chain: list[Doc]) -> None:
    assert first(verify_chain(chain[1:]))[1:] == (1, "removed")


def test_a_removed_last_event_shows_only_against_another_copy(chain: list[Doc]) -> None:
    case_id = chain[0]["case_id"]
    truncated, full = verify_chain(chain[:-1]), verify_chain(chain)
    assert truncated.ok  # a chain alone cannot know what came after its end
    crossed = cross_check(truncated, full)
    assert [(p.case_id, p.sequence, p.kind) for p in crossed.problems] == [(case_id, 5, "removed")]
    assert cross_check(full, truncated).problems == ()  # the topic may lag behind the store
    assert cross_check(full, truncated).behind == 1


def test_two_swapped_messages_are_reordered(chain: list[Doc]) -> None:
    chain[1], chain[2] = chain[2], chain[1]
    report = verify_chain(chain)
    assert first(report)[1:] == (2, "reordered")
    assert "event 2 stands after event 3" in report.problems[0].detail


def test_two_swapped_stored_versions_are_reordered(chain: list[Doc]) -> None:
    # In the store the row keeps its place in version order but carries the other's content.
    chain[1], chain[2] = moved(chain[2], 2), moved(chain[1], 3)
    assert first(verify_chain(chain))[1:] == (2, "reordered")


def test_an_event_moved_back_is_reordered(chain: list[Doc]) -> None:
    # Event 2 moved to the end: 1, 3, 4, 5, 2 renumbered in place.
    reordered = [chain[0], *[moved(d, i) for i, d in enumerate(chain[2:] + chain[1:2], start=2)]]
    assert first(verify_chain(reordered))[1:] == (2, "reordered")


def test_a_duplicated_message_is_inserted(chain: list[Doc]) -> None:
    report = verify_chain([*chain, chain[1]])
    assert first(report)[1:] == (2, "inserted")
    assert "appears a second time" in report.problems[0].detail


def test_a_different_second_event_with_a_used_sequence_is_inserted(chain: list[Doc]) -> None:
    forged = {**chain[1], "payload": {**chain[1]["payload"], "language": "en"}}
    assert first(verify_chain([*chain, forged]))[1:] == (2, "inserted")


def test_a_copied_event_with_a_new_sequence_is_inserted(chain: list[Doc]) -> None:
    report = verify_chain([*chain, moved(chain[1], 6)])
    assert first(report)[1:] == (6, "inserted")
    assert "a copy of event 2" in report.problems[0].detail


def test_an_event_inserted_in_the_middle_is_named(chain: list[Doc]) -> None:
    # A forged event 3 chained properly after event 2, later events renumbered.
    forged = rehashed({**moved(chain[1], 3), "previous_hash": chain[1]["hash"]})
    tampered = [*chain[:2], forged, *[moved(d, i) for i, d in enumerate(chain[2:], start=4)]]
    assert first(verify_chain(tampered))[1:] == (4, "reordered")  # event 3 now stands as 4
    intact_rest = [*chain[:2], forged, *chain[2:]]  # not renumbered: a second event 3
    assert first(verify_chain(intact_rest))[1:] == (3, "inserted")


def test_an_unknown_field_is_an_alteration(chain: list[Doc]) -> None:
    chain[0]["note"] = "added later"
    assert first(verify_chain(chain))[1:] == (1, "altered")


def test_an_event_without_hash_is_unchained(chain: list[Doc]) -> None:
    chain[0]["hash"] = None
    assert first(verify_chain(chain))[1:] == (1, "unchained")


def test_garbage_is_unreadable() -> None:
    assert first(verify_chain([{"hello": "world"}]))[2] == "unreadable"


def test_cases_are_checked_apart_and_each_names_its_first_bad_event(
    cases: ComplaintCases,
) -> None:
    one, two = documents(cases, chained_case(cases, 1)), documents(cases, chained_case(cases, 2))
    assert verify_chain(interleave(one, two)).ok
    two[3]["reason"] = "changed"
    del one[1]
    report = verify_chain(interleave(one, two))
    assert [(p.case_id, p.sequence, p.kind) for p in report.problems] == [
        (one[0]["case_id"], 2, "removed"),
        (two[0]["case_id"], 4, "altered"),
    ]
    assert report.checked == 9


def test_two_copies_that_disagree_are_diverged(chain: list[Doc]) -> None:
    other = [dict(d) for d in chain]
    other[3] = rehashed({**other[3], "reason": "rewritten"})
    for i in range(4, 5):  # a forger who rebuilds the rest of the chain
        other[i] = rehashed({**other[i], "previous_hash": other[i - 1]["hash"]})
    assert verify_chain(other).ok
    crossed = cross_check(verify_chain(chain), verify_chain(other))
    assert [(p.sequence, p.kind) for p in crossed.problems] == [(4, "diverged")]
