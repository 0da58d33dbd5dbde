"""Conflicting commands on one case at once: nothing lost, everyone told, nothing applied twice.

Two ways in, both on the real stack. Directly: several command processors (each
with its own case store, as separate processes would have) apply commands to
the same case in PostgreSQL at the same moment, where optimistic-concurrency
conflicts really happen. Through the HTTP API: many callers post at once, two
``complaint-events worker commands`` processes decide, and each caller reads
its outcome from ``GET /v1/commands/{id}``. The conflicts are the ones users
meet: accept and reject of the same remedy offer, two handlers deciding
liability differently, a revised offer racing the consumer's answer, and the
same command (same id, or same Idempotency-Key) twice.
"""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest
from fastapi import FastAPI

from api_support import api_tokens, client_for
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.api.app import create_app
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases
from complaint_events.clock import SimulatedClock
from complaint_events.contracts.commands import CommandResultV1
from complaint_events.contracts.envelope import event_id_for
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.processing.command_processor import CommandProcessor
from complaint_events.processing.messages import Incoming
from complaint_events.settings import Settings
from stack_support import complaint
from waiting import wait_until
from worker_support import Worker, command, set_clock, worker_env

if TYPE_CHECKING:
    from reliability.conftest import ChaosScale

pytestmark = pytest.mark.chaos

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
HANDLER = Acting("handler:h-7", T0)

LIABILITY = {
    "party": "merchant",
    "grounds": ["defect"],
    "rule_refs": ["CPL-24"],
    "reasoning": "漏水",
    "testing_cost_payer": "merchant",
}
OTHER_LIABILITY = {**LIABILITY, "party": "consumer", "grounds": ["misuse"], "reasoning": "摔过"}
OFFER = {
    "kind": "full_refund",
    "refund_amount": "99.00",
    "compensation_amount": "0",
    "shipping_paid_by": "merchant",
    "rule_refs": ["CPL-24"],
    "explanation": "质量问题，全额退款",
}
REVISED_OFFER = {**OFFER, "kind": "exchange", "explanation": "换新"}


def offered_case(cases: ComplaintCases, n: int, consumer: str = "c-1") -> UUID:
    """A case of ``consumer`` against merchant m-1 with a remedy on offer."""
    details = replace(complaint(n), consumer_id=consumer, merchant_id="m-1")
    (outcome,) = cases.file_complaints([(details, Acting("adapter:web", T0))])

    def decide(case: ComplaintCase) -> None:
        case.determine_liability(**LIABILITY, by=HANDLER)
        case.offer_remedy(
            **{**OFFER, "refund_amount": Decimal(99), "compensation_amount": Decimal(0)},
            by=HANDLER,
            policy=cases.policy,
        )

    cases.act(outcome.case_id, decide)
    return outcome.case_id


def conflicting(case_id: UUID, consumer: str) -> list[dict[str, Any]]:
    """Commands that cannot all win, as the API would send them."""
    by_handler = "handler:h-7"
    return [
        command(case_id, "accept_remedy", {}, actor=consumer, at=T0),
        command(case_id, "reject_remedy", {"reason": "太少"}, actor=consumer, at=T0),
        command(case_id, "determine_liability", LIABILITY, actor=by_handler, at=T0),
        command(case_id, "determine_liability", OTHER_LIABILITY, actor="handler:h-8", at=T0),
        command(case_id, "offer_remedy", REVISED_OFFER, actor=by_handler, at=T0),
        command(case_id, "escalate", {"reason": "安全", "level": 1}, actor=by_handler, at=T0),
    ]


def check_history(
    cases: ComplaintCases, case_id: UUID, results: list[CommandResultV1]
) -> list[str]:
    """Assert what users rely on of the case's history; its event names, for more checks."""
    stored = list(cases.repository.event_store.get(case_id))
    versions = [e.originator_version for e in stored]
    assert versions == list(range(1, len(stored) + 1)), f"a gap or a fork: {versions}"
    causes: dict[str, list[int]] = {}
    for e in stored:
        cause = e.meta.get("causation_id")  # type: ignore[attr-defined]
        if cause:
            causes.setdefault(cause, []).append(e.originator_version)
    ids = {event_id_for(case_id, v): v for v in versions}
    seen: dict[UUID, CommandResultV1] = {}
    for result in results:
        first = seen.setdefault(result.command_id, result)
        # The same command answered twice is answered the same way.
        assert (first.outcome, first.event_ids) == (result.outcome, result.event_ids), result
        if result.outcome == "accepted":
            assert result.event_ids, f"{result.command_id} accepted with no events"
            assert all(i in ids for i in result.event_ids), "an accepted event is not stored"
            assert sorted(ids[i] for i in result.event_ids) == causes.get(str(result.command_id)), (
                f"{result.command_id} applied other than once"
            )
        else:
            assert result.reason, f"{result.command_id} rejected without a reason"
            assert result.error_code
            assert str(result.command_id) not in causes, "a rejected command left events"
    names = [type(e).__name__ for e in stored]
    # One offer, one answer: accept and reject of the same offer never both win.
    answers = 0
    for name in names:
        if name == "RemedyOffered":
            answers = 0
        elif name in {"RemedyAccepted", "RemedyRejected"}:
            answers += 1
            assert answers == 1, f"an offer answered twice: {names}"
    return names


# --------------------------------------------------- straight into PostgreSQL


def race(
    processors: list[CommandProcessor], messages: list[dict[str, Any]], timeout: float
) -> list[CommandResultV1 | Exception | None]:
    """Each message given to its own processor, all released at the same moment."""
    answers: list[CommandResultV1 | Exception | None] = [None] * len(messages)
    start = threading.Barrier(len(messages))

    def call(i: int) -> None:
        start.wait()
        try:
            report = processors[i].process(
                [Incoming(value=json.dumps(messages[i]).encode(), key=b"k")]
            )
            (answers[i],) = report.results
        except Exception as error:  # noqa: BLE001 - what the caller got instead of an answer
            answers[i] = error

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(messages))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return answers


def test_concurrent_command_processors_on_one_case(
    stack_settings: Settings, chaos_scale: ChaosScale
) -> None:
    # All callers are released at the same moment (a barrier), each with its own
    # processor and store; the case's advisory lock makes them decide in turn.
    # Every command of a round has a caller; some more callers send one of them again.
    callers = max(chaos_scale.conflict_callers, 6) + 1
    stores = [build_cases(stack_settings) for _ in range(callers)]
    processors = [CommandProcessor(s, SimulatedClock(T0)) for s in stores]
    try:
        for n in range(chaos_scale.conflict_rounds):
            case_id = offered_case(stores[0], n, consumer=f"c-{n}")
            commands = conflicting(case_id, f"consumer:c-{n}")
            work = [commands[i % len(commands)] for i in range(callers - 1)] + [commands[0]]
            answers = race(processors, work, chaos_scale.settle_seconds)
            told = [a for a in answers if isinstance(a, CommandResultV1)]
            assert len(told) == callers, f"round {n}: callers not told their outcome: {answers}"
            names = check_history(stores[0], case_id, told)
            accepted = {r.command_id for r in told if r.outcome == "accepted"}
            assert UUID(commands[5]["command_id"]) in accepted, "the compatible escalation lost"
            assert names.count("CaseEscalated") == 1
    finally:
        for s in stores:
            s.close()


# ------------------------------------------- through the API and two workers


@pytest.fixture
def command_workers(stack_settings: Settings, tmp_path: Path) -> Iterator[list[Worker]]:
    clock = tmp_path / "clock"
    set_clock(clock, T0)
    ensure_topics(stack_settings)
    workers = []
    for i in range(2):
        log_dir = tmp_path / f"w{i}"
        log_dir.mkdir()
        env = worker_env(stack_settings, clock, tmp_path / f"data{i}")
        workers.append(Worker(["commands"], env, log_dir).start())
    yield workers
    for worker in workers:
        code = worker.stop()
        print(worker.log()[-3000:])
        # -SIGTERM: stopped before faust installed its handlers (a test that failed early).
        assert code in {0, -signal.SIGTERM}, f"a command worker exited with {code}"


@pytest.fixture
def api(stack_settings: Settings) -> Iterator[FastAPI]:
    app = create_app(stack_settings, clock=SimulatedClock(T0), tokens=api_tokens("handler:h-8"))
    yield app
    app.state.bus.close()
    app.state.db.close()
    app.state.cases.close()


ACTIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("consumer", "accept-remedy", {}),
    ("consumer", "reject-remedy", {"reason": "太少"}),
    ("handler", "determine-liability", LIABILITY),
    ("handler:h-8", "determine-liability", OTHER_LIABILITY),
    ("handler", "offer-remedy", REVISED_OFFER),
    ("handler", "escalate", {"reason": "安全"}),
]


def test_concurrent_api_callers_each_learn_their_outcome(
    stack_settings: Settings,
    command_workers: list[Worker],
    api: FastAPI,
    chaos_scale: ChaosScale,
) -> None:
    cases: ComplaintCases = api.state.cases
    case_ids = [offered_case(cases, 1000 + n) for n in range(chaos_scale.conflict_rounds)]
    # Each action posted by two callers at once with the same Idempotency-Key (a retry).
    calls = [
        (case_id, who, action, body, f"{case_id}-{action}-{who}")
        for case_id in case_ids
        for who, action, body in ACTIONS
        for _ in range(2)
    ]
    answers: list[tuple[int, dict[str, Any]] | None] = [None] * len(calls)
    start = threading.Barrier(min(len(calls), 24))

    def post(indexes: list[int]) -> None:
        start.wait()
        for i in indexes:
            case_id, who, action, body, key = calls[i]
            answer = client_for(api, who).post(
                f"/v1/cases/{case_id}/{action}", json=body, headers={"Idempotency-Key": key}
            )
            answers[i] = (answer.status_code, answer.json())

    lanes = min(len(calls), 24)
    threads = [
        threading.Thread(target=post, args=(list(range(i, len(calls), lanes)),))
        for i in range(lanes)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=chaos_scale.settle_seconds)

    # Every caller got an answer: published (202), or "same key still in progress" (409).
    issued: dict[str, str] = {}
    for (case_id, who, _, _, key), answer in zip(calls, answers, strict=True):
        assert answer is not None, f"{who} on {case_id} got no answer"
        status, body = answer
        assert status in {202, 409}, answer
        if status == 202:
            assert body["case_id"] == str(case_id)
            # One Idempotency-Key, one command: a retry never issues a second command.
            assert issued.setdefault(key, body["command_id"]) == body["command_id"]
            issued[key] = body["command_id"]
    assert len(issued) == len(case_ids) * len(ACTIONS), "a request was neither published nor 409"

    who_of = {key: who for _, who, _, _, key in calls}

    def outcome(key: str) -> Callable[[], dict[str, Any] | None]:
        def read() -> dict[str, Any] | None:
            for worker in command_workers:
                worker.assert_alive()
            answer = client_for(api, who_of[key]).get(f"/v1/commands/{issued[key]}")
            assert answer.status_code in {200, 202}, answer.text
            return answer.json() if answer.status_code == 200 else None

        return read

    results: dict[UUID, list[CommandResultV1]] = {c: [] for c in case_ids}
    for key, command_id in issued.items():
        status = wait_until(
            outcome(key), timeout=chaos_scale.settle_seconds, what=f"the outcome of {key}"
        )
        assert status["command_id"] == command_id
        results[UUID(status["case_id"])].append(
            CommandResultV1(
                command_id=status["command_id"],
                case_id=status["case_id"],
                outcome=status["outcome"],
                event_ids=status["event_ids"],
                reason=status["reason"],
                error_code=status["error_code"],
                decided_at=status["decided_at"],
            )
        )
    for case_id in case_ids:
        names = check_history(cases, case_id, results[case_id])
        assert names.count("CaseEscalated") == 1, "the compatible escalation was lost"
    # The conflicts were real: somewhere a command lost. (On one case the arrival order
    # can let every command through: reject, new liability, new offer, accept.)
    outcomes = {r.outcome for found in results.values() for r in found}
    assert outcomes == {"accepted", "rejected"}, f"no conflict was decided: {outcomes}"


def test_the_same_command_id_from_two_callers_is_applied_once(
    stack_settings: Settings, chaos_scale: ChaosScale
) -> None:
    """A redelivered command (same id) racing its first delivery records its events once."""
    stores = [build_cases(stack_settings) for _ in range(2)]
    processors = [CommandProcessor(s, SimulatedClock(T0)) for s in stores]
    try:
        for n in range(chaos_scale.conflict_rounds):
            case_id = offered_case(stores[0], 5000 + n, consumer=f"c-{n}")
            same = command(case_id, "accept_remedy", {}, actor=f"consumer:c-{n}", at=T0)
            answers = race(processors, [same, same], chaos_scale.settle_seconds)
            told = [a for a in answers if isinstance(a, CommandResultV1)]
            assert len(told) == 2, f"both deliveries are answered: {answers}"
            assert {r.outcome for r in told} == {"accepted"}
            names = check_history(stores[0], case_id, told)
            assert names.count("RemedyAccepted") == 1
    finally:
        for s in stores:
            s.close()
