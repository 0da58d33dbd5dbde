"""Auditors on the real stack: the hash chain in PostgreSQL and on Kafka, tampered with.

Cases are filed and worked through ``ComplaintCases`` on PostgreSQL and relayed
to a test topic; then rows of ``complaints_events`` are changed, removed,
swapped or copied with SQL, and messages are duplicated on the topic or
dropped, swapped, altered in what was read. Each time the check names the
first bad event and ``audit verify`` exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import pytest
from kafka import KafkaProducer
from typer.testing import CliRunner

from audit_support import chained_case, handler
from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.hash_chaining import seal_events
from complaint_events.audit.sources import (
    TopicMessage,
    read_topic,
    store_case_ids,
    verify_store,
    verify_topic,
)
from complaint_events.audit.verify import Problem, VerifyReport, cross_check
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.cli.audit_cmd import audit_app
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration


@dataclass
class Stack:
    settings: Settings
    cases: ComplaintCases
    ids: list[UUID]

    @property
    def topic(self) -> str:
        return self.settings.topic(EVENTS_TOPIC)

    def sql(self, query: str, *params: Any) -> None:
        with psycopg.connect(self.settings.postgres_dsn, autocommit=True) as conn:
            conn.execute(query, params)

    def store_report(self) -> VerifyReport:
        return verify_store(self.cases, store_case_ids(self.cases))

    def messages(self, case_id: UUID | None = None) -> list[TopicMessage]:
        return list(read_topic(KafkaClients(self.settings), self.topic, case_id))

    def relay(self) -> None:
        relay = build_relay(self.settings, self.cases)
        relay.start()
        while relay.run_once():
            pass
        relay.close()

    def cli(self, *args: str) -> Any:
        return CliRunner().invoke(
            audit_app,
            [
                *args,
                "--store",
                "postgres",
                "--postgres",
                self.settings.postgres_dsn,
                "--kafka",
                self.settings.kafka_bootstrap,
            ],
            env={"COMPLAINTS_TOPIC_PREFIX": self.settings.topic_prefix, "COLUMNS": "200"},
        )


@pytest.fixture
def stack(stack_settings: Settings) -> Iterator[Stack]:
    """Three cases of five events each, in PostgreSQL and relayed to the test topic."""
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    ids = [chained_case(cases, n) for n in range(1, 4)]
    ready = Stack(stack_settings, cases, ids)
    ready.relay()
    yield ready
    cases.close()


def named(problem: Problem | None) -> tuple[UUID, int | None, str]:
    assert problem is not None, "expected a bad event"
    return UUID(problem.case_id), problem.sequence, problem.kind


def assert_cli_names(stack: Stack, case_id: UUID, sequence: int, kind: str) -> None:
    for args in (["verify", str(case_id)], ["verify", "--all"]):
        result = stack.cli(*args)
        assert result.exit_code == 1, result.output
        assert f"FIRST BAD EVENT: case {case_id}, event {sequence}: {kind}" in result.output


# ------------------------------------------------------------------ all is well


def test_a_clean_store_and_topic_verify(stack: Stack) -> None:
    store, topic = stack.store_report(), verify_topic(stack.messages())
    assert store.ok
    assert topic.ok
    assert store.checked == topic.checked == 15
    assert store.chains == topic.chains
    assert cross_check(store, topic).problems == ()
    for args in (["verify", str(stack.ids[0])], ["verify", "--all"]):
        result = stack.cli(*args)
        assert result.exit_code == 0, result.output
        assert "OK: no event altered, removed, reordered or inserted" in result.output
    assert (
        f"chain head: event 5, hash {store.chains[str(stack.ids[0])][-1]}"
        in stack.cli("verify", str(stack.ids[0])).output
    )


def test_events_not_yet_relayed_are_not_a_problem(stack: Stack) -> None:
    stack.cases.act(stack.ids[0], lambda c: c.escalate("slow", 1, handler(9)))
    result = stack.cli("verify", "--all", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["not_yet_on_topic"] == 1


# ------------------------------------------------------------ tampered store


def test_an_altered_stored_event_is_named(stack: Stack) -> None:
    case_id = stack.ids[1]
    stack.sql(
        "UPDATE complaints_events SET state = convert_to(replace(convert_from(state, 'UTF8'),"
        " 'the seal leaks', 'the kettle was dropped'), 'UTF8')"
        " WHERE originator_id = %s AND originator_version = 4",
        case_id,
    )
    assert named(stack.store_report().first_problem) == (case_id, 4, "altered")
    assert_cli_names(stack, case_id, 4, "altered")


def test_an_unreadable_stored_event_is_altered(stack: Stack) -> None:
    case_id = stack.ids[0]
    stack.sql(
        "UPDATE complaints_events SET state = 'not json'::bytea"
        " WHERE originator_id = %s AND originator_version = 2",
        case_id,
    )
    problem = stack.store_report().first_problem
    assert named(problem) == (case_id, 2, "altered")
    assert problem is not None
    assert "cannot be read" in problem.detail


def test_a_stored_event_turned_into_something_else_is_altered(stack: Stack) -> None:
    case_id = stack.ids[0]
    stack.sql(
        "UPDATE complaints_events SET topic = %s"
        " WHERE originator_id = %s AND originator_version = 1",
        "complaint_events.domain.problem_index:ProblemIndex.ProblemIndexed",
        case_id,
    )
    assert named(stack.store_report().first_problem) == (case_id, 1, "altered")
    assert_cli_names(stack, case_id, 1, "altered")


def test_a_removed_stored_event_is_named(stack: Stack) -> None:
    case_id = stack.ids[0]
    stack.sql(
        "DELETE FROM complaints_events WHERE originator_id = %s AND originator_version = 3",
        case_id,
    )
    assert named(stack.store_report().first_problem) == (case_id, 3, "removed")
    assert_cli_names(stack, case_id, 3, "removed")


def test_a_removed_last_stored_event_is_caught_by_the_topic(stack: Stack) -> None:
    case_id = stack.ids[2]
    stack.sql(
        "DELETE FROM complaints_events WHERE originator_id = %s AND originator_version = 5",
        case_id,
    )
    store = stack.store_report()
    assert store.ok  # the store alone cannot tell
    crossed = cross_check(store, verify_topic(stack.messages()))
    assert [named(p) for p in crossed.problems] == [(case_id, 5, "removed")]
    assert_cli_names(stack, case_id, 5, "removed")


def test_a_case_removed_from_the_store_is_not_unknown_to_the_topic(stack: Stack) -> None:
    case_id = stack.ids[1]
    stack.sql("DELETE FROM complaints_events WHERE originator_id = %s", case_id)
    assert_cli_names(stack, case_id, 1, "removed")


def test_two_swapped_stored_events_are_reordered(stack: Stack) -> None:
    case_id = stack.ids[0]
    for old, new in ((2, 1000), (3, 2), (1000, 3)):
        stack.sql(
            "UPDATE complaints_events SET originator_version = %s"
            " WHERE originator_id = %s AND originator_version = %s",
            new,
            case_id,
            old,
        )
    assert named(stack.store_report().first_problem) == (case_id, 2, "reordered")
    assert_cli_names(stack, case_id, 2, "reordered")


def test_a_copied_stored_event_is_inserted(stack: Stack) -> None:
    case_id = stack.ids[1]
    stack.sql(
        "INSERT INTO complaints_events (originator_id, originator_version, topic, state)"
        " SELECT originator_id, 6, topic, state FROM complaints_events"
        " WHERE originator_id = %s AND originator_version = 2",
        case_id,
    )
    assert named(stack.store_report().first_problem) == (case_id, 6, "inserted")
    assert_cli_names(stack, case_id, 6, "inserted")


def test_a_store_rewritten_with_a_rebuilt_chain_disagrees_with_the_topic(stack: Stack) -> None:
    case_id = stack.ids[0]
    previous = _rewrite(stack, case_id, 4, lambda meta: {**meta, "reason": "nothing to see"})
    _rewrite(stack, case_id, 5, lambda meta: meta, previous)
    assert stack.store_report().ok  # consistent in itself: only the other copy tells
    crossed = cross_check(stack.store_report(), verify_topic(stack.messages()))
    assert [named(p) for p in crossed.problems] == [(case_id, 4, "diverged")]
    assert_cli_names(stack, case_id, 4, "diverged")


# ------------------------------------------------------------ tampered topic


def test_a_duplicated_message_on_the_topic_is_inserted(stack: Stack) -> None:
    case_id = stack.ids[2]
    second = stack.messages(case_id)[1]
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap)
    producer.send(stack.topic, key=second.key, value=second.value, partition=second.partition)
    producer.flush()
    producer.close()
    problem = verify_topic(stack.messages()).first_problem
    assert named(problem) == (case_id, 2, "inserted")
    assert problem is not None
    assert "partition" in problem.where
    assert_cli_names(stack, case_id, 2, "inserted")


def test_a_message_altered_on_the_topic_is_inserted_and_altered_as_read(stack: Stack) -> None:
    case_id = stack.ids[0]
    messages = stack.messages(case_id)
    envelope = json.loads(messages[3].value or b"")
    envelope["payload"]["party"] = "consumer"
    forged = json.dumps(envelope).encode()
    # As read: the message in place carries other content than its hash covers.
    as_read = [*messages[:3], _with_value(messages[3], forged), *messages[4:]]
    assert named(verify_topic(as_read).first_problem) == (case_id, 4, "altered")
    # As produced later: a second event 4 after event 5.
    producer = KafkaProducer(bootstrap_servers=stack.settings.kafka_bootstrap)
    producer.send(stack.topic, key=messages[3].key, value=forged, partition=messages[3].partition)
    producer.flush()
    producer.close()
    assert_cli_names(stack, case_id, 4, "inserted")


def test_a_message_missing_from_the_topic_is_removed(stack: Stack) -> None:
    case_id = stack.ids[1]
    messages = stack.messages(case_id)
    assert named(verify_topic(messages[:1] + messages[2:]).first_problem) == (
        case_id,
        2,
        "removed",
    )


def test_two_swapped_messages_are_reordered(stack: Stack) -> None:
    case_id = stack.ids[1]
    m = stack.messages(case_id)
    assert named(verify_topic([m[0], m[1], m[3], m[2], m[4]]).first_problem) == (
        case_id,
        3,
        "reordered",
    )


def test_a_message_inserted_from_another_case_is_named(stack: Stack) -> None:
    one, two = stack.messages(stack.ids[0]), stack.messages(stack.ids[1])
    stray = TopicMessage(one[2].partition, 99, one[2].key, two[2].value)
    problem = verify_topic([*one[:2], stray, *one[2:]]).first_problem
    assert named(problem) == (stack.ids[0], 3, "inserted")


# ------------------------------------------------------------------ helpers


def _with_value(message: TopicMessage, value: bytes) -> TopicMessage:
    return TopicMessage(message.partition, message.offset, message.key, value)


def _rewrite(
    stack: Stack,
    case_id: UUID,
    version: int,
    change: Callable[[dict[str, Any]], dict[str, Any]],
    previous: str | None = None,
) -> str:
    """What a forger with database access and this code does: rewrite and re-seal an event."""
    stored = stack.cases.recorder.select_events(case_id, gt=version - 1, lte=version)[0]
    event = stack.cases.mapper.to_domain_event(stored)
    meta = change(dict(event.meta))  # type: ignore[attr-defined]
    object.__setattr__(event, "meta", meta)
    sealed = seal_events([event], previous or meta["previous_hash"])
    state = stack.cases.mapper.to_stored_event(event).state
    stack.sql(
        "UPDATE complaints_events SET state = %s WHERE originator_id = %s"
        " AND originator_version = %s",
        state,
        case_id,
        version,
    )
    return sealed
