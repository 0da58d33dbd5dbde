"""Intake fuzzing: a real ``complaint-events worker intake`` fed valid, invalid and random messages.

Hypothesis builds intake messages on the intake contract (Chinese and English
text, every channel, edge values), breaks some of them (wrong types, missing
fields, out-of-range values, unknown fields, impossible dates, non-objects) and
mixes in random bytes. Which message is valid is decided by the contract itself,
exactly as the intake processor decides it. What users rely on: the worker stays
up, every valid complaint is filed exactly once (a deliberate duplicate from
another channel is recorded on the case, a resend changes nothing), and every
invalid message is on the dead-letter topic, byte for byte, saying why.
"""

from __future__ import annotations

import json
import string
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from kafka import KafkaProducer
from pydantic import ValidationError

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases
from complaint_events.consumers.health import check
from complaint_events.contracts.dead_letters import field_errors, read_context
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.topology import INTAKE_DLQ_TOPIC, INTAKE_TOPIC
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.errors import ComplaintError
from complaint_events.domain.values import (
    Channel,
    Demand,
    EvidenceKind,
    ProblemCategory,
    SafetyFlag,
)
from complaint_events.settings import Settings
from stack_support import read_topic
from waiting import wait_until
from worker_support import Worker, set_clock, worker_env

if TYPE_CHECKING:
    from reliability.conftest import ChaosScale

pytestmark = pytest.mark.chaos

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)  # the worker's clock

# ------------------------------------------------------------------ strategies

CHINESE = st.text(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=40
)
ENGLISH = st.text(string.ascii_letters + string.digits + " .,!?'-", min_size=1, max_size=80)
ANY_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=60)
FREE_TEXT = st.one_of(
    CHINESE,
    ENGLISH,
    st.tuples(CHINESE, ENGLISH).map(" ".join),
    ANY_TEXT,
)
OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])


def _short(prefix: str) -> st.SearchStrategy[str]:
    """A required id or name: unique by ``prefix``, then fuzzed text up to the 200 limit."""
    return st.one_of(
        st.just(prefix),
        FREE_TEXT.map(lambda t: f"{prefix}-{t}"),
        st.just(f"{prefix}-" + "长" * (199 - len(prefix))),  # exactly 200 characters
    )


@st.composite
def intake_dicts(draw: st.DrawFn, n: int) -> dict[str, Any]:
    """An intake message meant to be valid; ``n`` makes its channel ref and consumer unique."""
    received = draw(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31), timezones=OFFSETS
        )
    )
    received_on = received.date()
    purchase = draw(st.none() | st.integers(0, 400).map(lambda d: received_on - timedelta(d)))
    delivered = draw(
        st.none()
        | (
            st.integers(0, max(0, (received_on - purchase).days)).map(
                lambda d: purchase + timedelta(d)
            )
            if purchase is not None
            else st.integers(0, 30).map(lambda d: received_on - timedelta(d))
        )
    )
    consumer: dict[str, Any] = {
        "consumer_id": draw(_short(f"c{n}")),
        "name": draw(st.one_of(CHINESE, ENGLISH, st.just("林小明"), st.just("A" * 200))),
    }
    for key, value in (
        ("phone", st.sampled_from(["18312342807", "+86 183-1234-2807", "", "9" * 40])),
        ("email", st.sampled_from(["lin@example.com", "张@例子.中国", "x" * 254])),
        ("address", st.one_of(CHINESE, ENGLISH)),
    ):
        if draw(st.booleans()):
            consumer[key] = draw(value)
    message: dict[str, Any] = {
        "channel": draw(st.sampled_from([c.value for c in Channel])),
        "channel_ref": draw(_short(f"fz{n}")),
        "received_at": received.isoformat(),
        "consumer": consumer,
        "order_id": draw(_short(f"o{n}")),
        "merchant_id": draw(st.sampled_from(["m-1", "m-2", "商家-3", "M" * 200])),
        "sku": draw(_short("sku")),
        "product_name": draw(st.one_of(CHINESE, ENGLISH)),
        "price": draw(
            st.one_of(
                st.sampled_from(["0", "0.00", "0.01", "199.90", "99999999.99", "1e3"]),
                st.decimals(min_value=0, max_value=10**7, places=2).map(str),
            )
        ),
        "description": draw(st.one_of(FREE_TEXT, st.just("漏" * 5000), st.just("x" * 4999 + " "))),
        "demand": draw(st.sampled_from([d.value for d in Demand])),
        "category": draw(st.sampled_from([c.value for c in ProblemCategory])),
    }
    optional: dict[str, st.SearchStrategy[Any]] = {
        "purchase_date": st.just(None if purchase is None else purchase.isoformat()),
        "delivered_on": st.just(None if delivered is None else delivered.isoformat()),
        "product_spec": st.one_of(st.just(""), FREE_TEXT, st.just("规" * 500)),
        "product_type": st.one_of(st.none(), ENGLISH, st.just("t" * 100)),
        "quantity": st.one_of(st.sampled_from([1, 10_000]), st.integers(1, 10_000)),
        "evidence": st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from([k.value for k in EvidenceKind]),
                    "uri": st.one_of(ENGLISH.map(lambda t: f"s3://e/{t}"), st.just("u" * 2000)),
                }
            ),
            max_size=3,
        )
        | st.just([{"kind": "photo", "uri": f"s3://e/{i}.jpg"} for i in range(50)]),
        "safety_flags": st.lists(st.sampled_from([f.value for f in SafetyFlag]), unique=True),
        "language": st.sampled_from(["zh", "en"]),
    }
    for key, value in optional.items():
        if draw(st.booleans()):
            message[key] = draw(value)
    return message


WRONG_VALUES = st.sampled_from([None, 0, -1, 1.5, True, "", "   ", [], {}, ["x"], {"a": 1}])
BREAKAGES: dict[str, Any] = {
    "quantity": st.sampled_from([0, -1, 10_001, "many", 2.5]),
    "price": st.sampled_from(["-0.01", "abc", 1.5, "NaN", "Infinity", "", None]),
    "description": st.sampled_from(["", "   ", "x" * 5001]),
    "channel_ref": st.sampled_from(["", "  ", "r" * 201]),
    "channel": st.sampled_from(["fax", "WEB", 3, None]),
    "category": st.sampled_from(["broken", "", None]),
    "received_at": st.sampled_from(["2026-03-01T08:00:00", "yesterday", "2026-13-01T00:00:00Z"]),
    "purchase_date": st.sampled_from(["2031-01-01", "2026-02-30", "soon"]),
    "evidence": st.sampled_from(
        [[{"kind": "photo", "uri": f"s3://{i}"} for i in range(51)], [{"kind": "smell"}], "photo"]
    ),
    "safety_flags": st.sampled_from([["on_fire"], "injury"]),
    "language": st.sampled_from(["fr", "ZH", None]),
}


@st.composite
def broken_messages(draw: st.DrawFn, n: int) -> Any:
    """A message that is probably not valid (the contract decides): one or more breakages."""
    message = draw(intake_dicts(n))
    how = draw(
        st.sampled_from(["drop", "wrong_type", "out_of_range", "extra", "dates", "not_object"])
    )
    if how == "drop":
        for key in draw(st.lists(st.sampled_from(sorted(message)), min_size=1, max_size=3)):
            message.pop(key, None)
        if draw(st.booleans()):
            message["consumer"] = {
                k: v for k, v in message.get("consumer", {}).items() if k != "name"
            }
    elif how == "wrong_type":
        message[draw(st.sampled_from(sorted(message)))] = draw(WRONG_VALUES)
    elif how == "out_of_range":
        for key in draw(st.lists(st.sampled_from(sorted(BREAKAGES)), min_size=1, max_size=3)):
            message[key] = draw(BREAKAGES[key])
    elif how == "extra":
        where = draw(st.sampled_from(["top", "consumer", "evidence"]))
        if where == "top":
            message[draw(st.sampled_from(["priority", "Channel", "case_id"]))] = "x"
        elif where == "consumer":
            message["consumer"] = {**message["consumer"], "id_number": "110101199003070000"}
        else:
            message["evidence"] = [{"kind": "photo", "uri": "s3://x", "size": 1}]
    elif how == "dates":
        received = datetime.fromisoformat(message["received_at"]).date()
        message["purchase_date"] = (received - timedelta(days=3)).isoformat()
        message["delivered_on"] = draw(
            st.sampled_from(
                [(received - timedelta(days=5)).isoformat(), (received + timedelta(1)).isoformat()]
            )
        )
    else:
        return draw(st.sampled_from([[message], "complaint", 42, None, True, []]))
    return message


# ---------------------------------------------------------------------- oracle


@dataclass(frozen=True)
class Sent:
    """One produced message and what the contract says should become of it."""

    key: bytes
    value: bytes
    intake: IntakeMessageV1 | None  # None: invalid, a dead letter is due
    reason: str | None = None  # the dead letter's reason, for the invalid
    error_fields: frozenset[str] = frozenset()

    @property
    def case_id(self) -> UUID:
        assert self.intake is not None
        return ComplaintCase.create_id(self.intake.channel.value, self.intake.channel_ref)


def judge(key: bytes, value: bytes) -> Sent:
    """Valid or not, decided by the intake contract as the intake processor decides it."""
    try:
        intake = IntakeMessageV1.model_validate_json(value)
        intake.to_details()
    except ValidationError as error:
        reason = f"not a valid intake message ({error.error_count()} problems)"
        fields = frozenset(e["field"] for e in field_errors(error))
        return Sent(key, value, None, reason, fields)
    except (ComplaintError, ValueError) as error:
        return Sent(key, value, None, f"the complaint cannot be filed: {error}")
    return Sent(key, value, intake)


def generate(count: int, run_seed: int) -> list[Sent]:
    """``count`` messages: about half valid, a third broken, the rest random bytes."""
    made: list[Sent] = []

    @seed(run_seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def collect(data: st.DataObject) -> None:
        n = len(made)
        kind = data.draw(st.sampled_from(["valid", "valid", "valid", "broken", "broken", "bytes"]))
        if kind == "bytes":
            value = data.draw(st.binary(max_size=300))
        else:
            drawn = data.draw(intake_dicts(n) if kind == "valid" else broken_messages(n))
            value = json.dumps(drawn, ensure_ascii=data.draw(st.booleans())).encode()
        made.append(judge(f"fz-{n}".encode(), value))

    while len(made) < count:  # hypothesis may stop early on a small search space; go again
        collect()
    return made[:count]


def with_duplicates(messages: list[Sent]) -> tuple[list[Sent], list[tuple[Sent, Sent]]]:
    """Resends (same bytes, same key) and cross-channel duplicates of a few valid messages."""
    valid = [m for m in messages if m.intake is not None]
    extra: list[Sent] = []
    pairs: list[tuple[Sent, Sent]] = []
    for i, original in enumerate(valid[: max(2, len(valid) // 30)]):
        assert original.intake is not None
        if i % 2:
            extra.append(Sent(original.key, original.value, original.intake))  # a resend
            continue
        other = next(c for c in Channel if c is not original.intake.channel)
        body = json.loads(original.value)
        body.update(channel=other.value, channel_ref=f"dup-{i}")
        copy = judge(f"dup-{i}".encode(), json.dumps(body, ensure_ascii=False).encode())
        assert copy.intake is not None, "a valid message on another channel is valid"
        extra.append(copy)
        pairs.append((original, copy))
    return extra, pairs


# ------------------------------------------------------------------- the stack


@pytest.fixture
def intake_worker(stack_settings: Settings, tmp_path: Path) -> Iterator[Worker]:
    clock = tmp_path / "clock"
    set_clock(clock, NOW)
    ensure_topics(stack_settings)
    worker = Worker(["intake"], worker_env(stack_settings, clock, tmp_path / "data"), tmp_path)
    worker.start()
    yield worker
    code = worker.stop()
    print(worker.log()[-5000:])
    assert code == 0, "the intake worker did not stop cleanly on SIGTERM"


def produce(settings: Settings, messages: list[Sent]) -> None:
    producer = KafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap, acks="all", linger_ms=20, batch_size=262_144
    )
    try:
        for m in messages:
            producer.send(settings.topic(INTAKE_TOPIC), key=m.key, value=m.value)
        producer.flush()
    finally:
        producer.close()


def stored_events(settings: Settings) -> dict[UUID, list[str]]:
    """Each case's event names in version order, straight from the event store's table."""
    with psycopg.connect(settings.postgres_dsn) as conn:
        rows = conn.execute(
            "SELECT originator_id, topic FROM complaints_events "
            "WHERE topic LIKE 'complaint_events.domain.case:%' "
            "ORDER BY originator_id, originator_version"
        ).fetchall()
    found: dict[UUID, list[str]] = {}
    for originator, topic in rows:
        found.setdefault(originator, []).append(topic.rsplit(".", 1)[-1])
    return found


def test_fuzzed_intake_is_filed_once_or_dead_lettered(
    intake_worker: Worker, stack_settings: Settings, chaos_scale: ChaosScale
) -> None:
    messages = generate(chaos_scale.intake_messages, chaos_scale.seed)
    extra, pairs = with_duplicates(messages)
    invalid = [m for m in messages if m.intake is None]
    valid = [m for m in messages if m.intake is not None]
    print(f"{len(valid)} valid, {len(invalid)} invalid, {len(extra)} resends and duplicates")
    assert len(valid) > len(messages) // 4, "the generator must make plenty of valid messages"
    assert len(invalid) > len(messages) // 4, "and plenty of invalid ones"

    # Produced in two rounds, so the worker is already busy when the second arrives.
    half = len(messages) // 2
    produce(stack_settings, messages[:half])
    produce(stack_settings, [*messages[half:], *extra])

    def caught_up() -> bool:
        intake_worker.assert_alive()
        (health,) = check(stack_settings, ["intake"])
        return health.caught_up and all(r.committed is not None for r in health.rows)

    wait_until(
        caught_up,
        timeout=chaos_scale.settle_seconds,
        what="the intake worker to commit every message",
        interval=0.5,
    )
    intake_worker.assert_alive()
    assert intake_worker.starts == 1
    assert "Traceback" not in intake_worker.log(), intake_worker.log()[-8000:]

    # Every invalid message is a dead letter with its original key and bytes, and why.
    letters = read_topic(stack_settings.kafka_bootstrap, stack_settings.topic(INTAKE_DLQ_TOPIC))
    by_key = {m.key: m for m in invalid}
    assert Counter(k.encode() for k, _, _ in letters) == Counter(m.key for m in invalid), (
        "the dead letters are not exactly the invalid messages"
    )
    for key, headers, value in letters:
        sent = by_key[key.encode()]
        context = read_context(list(headers.items()))
        assert value == sent.value
        assert context["dlq_reason"] == sent.reason
        assert context["dlq_processor"] == "intake"
        assert context["dlq_source_topic"] == stack_settings.topic(INTAKE_TOPIC)
        errors = {e["field"] for e in json.loads(context["dlq_errors"])}
        assert errors == sent.error_fields

    # Every valid one is one case; a duplicate pair is one case recording the other.
    events = stored_events(stack_settings)
    paired = {m.case_id for pair in pairs for m in pair}
    single = {m.case_id for m in valid} - paired
    assert len(single) + len(paired) == len(valid) + len(pairs), "generated ids must be distinct"
    for case_id in single:
        assert events.get(case_id) == ["ComplaintFiled"], (case_id, events.get(case_id))
    cases = build_cases(stack_settings)
    try:
        for first, second in pairs:
            opened = [m for m in (first, second) if m.case_id in events]
            assert len(opened) == 1, f"{first.key!r}/{second.key!r} opened {len(opened)} cases"
            (kept,) = opened
            other = second if kept is first else first
            assert other.intake is not None
            assert events[kept.case_id] == ["ComplaintFiled", "DuplicateSubmissionRecorded"]
            assert cases.get_case(kept.case_id).duplicates[0]["channel_ref"] == (
                other.intake.channel_ref
            )
    finally:
        cases.close()
    assert set(events) == single | {k for k in paired if k in events}, "an unexpected case"
