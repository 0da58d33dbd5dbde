"""A run under chaos: workers SIGKILLed, the broker and the database restarted, time jumping.

Every processor runs as its own ``complaint-events worker NAME`` process on a
private stack. While complaints stream in (1,000 in the short run, 20,000 in
the full one), seeded random moments bring: a SIGKILL of each worker type, a
restart of Kafka, a restart of PostgreSQL, invalid intake messages, poison
messages on the events and commands topics, resubmitted complaints, handlers
asking merchants for evidence and consumers for information, consumers
accepting default judgments and merchants receiving the returns, an outage of
the acknowledgement worker, and the workers' clock jumping past reminders and
expiries of every kind (acknowledgement, information, merchant evidence,
remedy answers, spot checks, refunds, appeal windows), so the deadline keeper
fires in the middle of it all.

Once everything has settled (every processor caught up, no deadline overdue):
each valid complaint is exactly one case, each expired deadline has exactly one
expiry and none is missing, the deadline keeper's table holds exactly every
case's running clocks, no case is linked to a batch alert twice, the events
topic holds every stored event once, every read model equals a clean rebuild,
and the dead-letter topics hold exactly the bad inputs, byte for byte.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

import pytest

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.bootstrap import build_cases
from complaint_events.consumers.health import HealthCheckError, check
from complaint_events.consumers.watchdog import EXIT_STALLED
from complaint_events.contracts.topology import (
    COMMANDS_DLQ_TOPIC,
    COMMANDS_TOPIC,
    EVENTS_DLQ_TOPIC,
    EVENTS_TOPIC,
    INTAKE_DLQ_TOPIC,
)
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlineState
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.rebuild import rebuild
from complaint_events.settings import Settings
from private_stack import PrivateStack
from reliability.chaos_support import (
    CaseReport,
    case_ids_in_store,
    dead_letters,
    doubles,
    keeper_table,
    overdue_deadlines,
    projection_rows,
    read_cases,
    relayed_records,
)
from waiting import wait_until
from worker_support import (
    Worker,
    command,
    intake_message,
    produce,
    send_commands,
    send_intake,
    set_clock,
    worker_env,
)

if TYPE_CHECKING:
    from reliability.conftest import ChaosScale

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(3600)]

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PROCESSORS = ["intake", "relay", "router", "acknowledgement", "commands", "deadlines",
              "batch-quality", "projections"]  # fmt: skip
EVENT_READERS = {"acknowledgement", "deadlines", "router", "batch-quality", "projector"}
# The clock's jumps: acknowledgements missed during the acknowledgement worker's
# outage (24 h) and evidence reminders (36 h); evidence expiries with default
# judgments, and information reminders (48 h); remedy answers (72 h after the
# judgment), information expiries closing cases, and spot checks (7 days); refunds
# (7 days after the return) and the appeal windows of the closed cases (7 days).
CLOCK_STEPS = (
    timedelta(hours=37),
    timedelta(hours=49),
    timedelta(days=8),
    timedelta(days=16),
)
ASK_AT_LEAST = 30  # acknowledged cases to choose from when a handler asks (a third of them)
EXPIRING_KINDS = (
    "acknowledgement",
    "information",
    "merchant_evidence",
    "remedy_answer",
    "refund",
    "appeal_window",
)
SHARED_SKUS = 6  # every tenth complaint is on one of these, so batch alerts are raised


@dataclass(frozen=True, slots=True)
class Size:
    """How big the run is."""

    cases: int
    chunks: int
    kill_rounds: int  # each worker type is killed this many times
    outages: int  # broker restarts, and database restarts
    settle_wait: float  # seconds the workers get to apply what a step sent (after outages)


# A full run's clock jumps expire deadlines of thousands of cases at once: the
# commands worker had ~30,000 commands to apply before a step's own (measured
# 150-225 a second while the other workers caught up), so it gets longer to settle.
SIZES = {"short": Size(1000, 10, 1, 1, 120.0), "full": Size(20_000, 40, 3, 2, 360.0)}

INVALID_INTAKE: list[dict[str, Any] | bytes] = [
    b"{this is not json",
    b"\xff\xfe\x00 binary noise",
    b"[]",
    json.dumps({"channel": "app", "channel_ref": "bad-1"}).encode(),  # facts missing
    intake_message(900_001, channel_ref="bad-price", price="a lot"),
    intake_message(900_002, channel_ref="bad-channel", channel="carrier-pigeon"),
    intake_message(900_003, channel_ref="bad-category", category="vibes"),
]
# What a handler's request shows the merchant (the API builds it from the case).
SUMMARY = {
    "order_id": "o-1",
    "sku": "sku-1",
    "product_name": "kettle",
    "category": "quality_defect",
    "demand": "refund",
    "complaint": "it leaks",
}
POISON_EVENTS = [b"not an event", b'{"event_id": "half an envelope"}', b"\x00\x01\x02"]
POISON_COMMANDS = [b"garbage", b'{"command_type": "close"}']


def intake_bytes(message: dict[str, Any] | bytes) -> tuple[bytes, bytes]:
    """Key and value as ``send_intake`` puts them on the topic."""
    if isinstance(message, bytes):
        return b"poison", message
    key = f"{message.get('channel')}:{message.get('channel_ref')}".encode()
    return key, json.dumps(message, ensure_ascii=False).encode()


@dataclass(eq=False)
class Chaos:
    """The run: its stack, workers, clock and everything it has done, for the report."""

    stack: PrivateStack
    settings: Settings
    workers: dict[str, Worker]
    clock_file: Path
    now: datetime = T0
    done: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    asked: set[UUID] = field(default_factory=set)  # cases a handler asked about
    paused: set[str] = field(default_factory=set)  # workers stopped on purpose (an outage)
    filed_before_pause: set[UUID] = field(default_factory=set)
    stall_restarts: list[str] = field(default_factory=list)  # restarted after their watchdog
    kill_on_resume: set[str] = field(default_factory=set)
    settle_wait: float = SIZES["short"].settle_wait  # the test sets its size's

    def note(self, what: str) -> None:
        line = f"{time.monotonic() - self.started:7.1f}s  {what}"
        self.done.append(line)
        print(line, flush=True)

    def running(self) -> list[Worker]:
        return [w for name, w in self.workers.items() if name not in self.paused]

    def alive(self) -> None:
        """Every running worker is alive; one that ended itself as stalled is restarted.

        That is what its supervisor does (compose's ``restart: unless-stopped``);
        any other exit fails the run.
        """
        for name, worker in self.workers.items():
            if name in self.paused or worker.alive():
                continue
            if worker.returncode() == EXIT_STALLED:
                self.stall_restarts.append(name)
                # What it did before it stalled, for whoever reads the run's output.
                print(f"----- {name} before its stall -----\n{worker.log_since_start()[-6000:]}")
                worker.start()
                self.note(f"{name} ended itself as stalled (exit {EXIT_STALLED}); restarted")
                continue
            worker.assert_alive()

    def kill(self, name: str, rng: random.Random) -> None:
        """SIGKILL ``name`` at a random moment once it is running, and start it again."""
        if name in self.paused:
            self.kill_on_resume.add(name)  # killed once it is back at work
            return
        worker = self.workers[name]
        self.ready([worker])
        time.sleep(rng.uniform(0.0, 2.0))  # a random moment of its work, not a wait
        worker.kill()
        worker.start()
        self.note(f"SIGKILL {name} (start {worker.starts})")

    def ready(self, workers: list[Worker]) -> None:
        """Wait until ``workers`` have started up (faust says "Ready") since their last start."""
        wait_until(
            lambda: self.alive() or all("Ready" in w.log_since_start() for w in workers),
            timeout=120,
            interval=0.05,
            what=f"{', '.join(w.names[0] for w in workers)} ready",
        )

    def outage(self, service: str, rng: random.Random) -> None:
        """Stop Kafka or PostgreSQL for a few seconds, then start it again."""
        # Not while a restarted worker is still starting up: a worker that starts while
        # the broker is down gives up after 30 s and exits (ensure_topics at start-up;
        # see the report of issue 7), which this run does not cover.
        self.ready(self.running())
        self.stack.stop(service)
        down = rng.uniform(1.0, 5.0)
        time.sleep(down)  # the outage's length
        self.stack.start(service)
        self.note(f"restart {service} ({down:.1f} s down)")

    def set_clock(self, moment: datetime) -> None:
        self.now = moment
        set_clock(self.clock_file, moment)
        self.note(f"clock -> {moment.isoformat()}")

    def pause(self, name: str) -> None:
        """An outage of one worker (the acknowledgement's notification gateway is down)."""
        self.ready([self.workers[name]])
        self.workers[name].stop()  # SIGTERM: it drains the batch in hand, then stops
        self.paused.add(name)
        self.filed_before_pause = case_ids_in_store(self.settings.postgres_dsn)
        self.note(f"stop {name} (outage)")

    def resume(self, name: str, rng: random.Random) -> None:
        self.workers[name].start()
        self.paused.discard(name)
        self.note(f"start {name} after its outage")
        if name in self.kill_on_resume:
            self.kill_on_resume.discard(name)
            self.kill(name, rng)

    def jump_while_paused(self, name: str, moment: datetime, rng: random.Random) -> None:
        """Move the clock past the acknowledgement deadlines of cases filed during the outage.

        Waits until some cases filed since the acknowledgement worker stopped
        (it cannot have handled them) are in the deadline keeper's table, so
        that the jump makes their acknowledgement deadlines expire before the
        worker, started again, acknowledges them.
        """

        def waiting_in_keeper() -> set[UUID]:
            unhandled = case_ids_in_store(self.settings.postgres_dsn) - self.filed_before_pause
            return unhandled & keeper_table(self.settings.postgres_dsn).keys()

        wait_until(
            lambda: self.alive() or len(waiting_in_keeper()) >= 3,
            timeout=self.settle_wait,
            interval=0.5,
            what="cases filed while the acknowledgement worker is down, in the keeper's table",
        )
        self.note(f"{len(waiting_in_keeper())} cases filed during the outage, not acknowledged")
        self.set_clock(moment)
        self.resume(name, rng)

    def ask(self, what: str, rng: random.Random) -> None:
        """A handler asks the merchants (``evidence``) or the consumers (``information``)
        of a third of the acknowledged cases not asked about yet.

        Waits until there are such cases: right after a broker or database restart
        the workers may not have filed or acknowledged any yet (a request on a case
        not yet acknowledged is refused), and the run would be left without
        deadlines of that kind to check.
        """

        def not_asked_yet() -> set[UUID]:
            acknowledged = case_ids_in_store(self.settings.postgres_dsn, "AcknowledgementSent")
            return acknowledged - self.asked

        wait_until(
            lambda: len(not_asked_yet()) >= ASK_AT_LEAST,
            timeout=self.settle_wait,
            interval=0.5,
            what="acknowledged cases to ask about",
        )
        chosen = rng.sample(sorted(not_asked_yet()), len(not_asked_yet()) // 3)
        if what == "evidence":
            requests = [
                command(c, "request_merchant_evidence", {"summary": SUMMARY},
                        actor="handler:h-1", at=self.now)
                for c in chosen
            ]  # fmt: skip
        else:
            requests = [
                command(c, "request_information", {"items": ["order id"]},
                        actor="handler:h-1", at=self.now)
                for c in chosen
            ]  # fmt: skip
        send_commands(self.settings.kafka_bootstrap, self.settings, requests)
        self.asked.update(chosen)
        # Applied before the clock moves on: their deadlines start at this moment's time.
        recorded = "MerchantEvidenceRequested" if what == "evidence" else "InformationRequested"
        wait_until(
            lambda: (
                self.alive()
                or set(chosen) <= case_ids_in_store(self.settings.postgres_dsn, recorded)
            ),
            timeout=self.settle_wait,
            interval=0.5,
            what=f"the {what} requests applied",
        )
        self.note(f"{what} requested on {len(chosen)} cases")

    def settle_asked(self) -> None:
        """Wait until every deadline due by now on the cases asked about has taken effect.

        The expiries at one moment of the clock start the clocks checked at the
        next (a default judgment's remedy answer, a closed case's appeal window):
        they must be recorded at this moment's time, before the clock moves on.
        """
        cases = build_cases(self.settings)
        try:

            def overdue() -> list[str]:
                found = cases.get_cases(self.asked)
                return [
                    f"{case_id} {d.deadline_id}"
                    for case_id, case in found.items()
                    for d in case.deadlines.values()
                    if d.state is DeadlineState.OPEN and d.due_at <= self.now
                ]

            wait_until(
                lambda: self.alive() or not overdue(),
                timeout=self.settle_wait,
                interval=0.5,
                what="the deadlines due on the cases asked about to take effect",
            )
        finally:
            cases.close()
        self.note(f"every deadline due by {self.now.isoformat()} on the cases asked about applied")

    def accept_and_return(self, rng: random.Random) -> None:
        """Consumers accept half of the default judgments; their merchants receive the returns.

        Waits for the default judgments (the evidence deadlines expired at the
        last jump of the clock); the other half's remedy answers expire later.
        """
        self.settle_asked()
        cases = build_cases(self.settings)
        try:
            offered = case_ids_in_store(self.settings.postgres_dsn, "RemedyOffered")
            assert offered, "no default judgment: the run has no remedy clocks to check"
            chosen = rng.sample(sorted(offered), max(len(offered) // 2, 1))
            parties = {c: cases.get_case(c) for c in chosen}
        finally:
            cases.close()
        accepted = [
            command(c, "accept_remedy", {}, actor=f"consumer:{case.consumer_id}", at=self.now)
            for c, case in parties.items()
        ]
        returned = [
            command(c, "receive_return", {"tracking_ref": f"SF-{c.hex[:8]}"},
                    actor=f"merchant:{case.merchant_id}", at=self.now)
            for c, case in parties.items()
        ]  # fmt: skip
        send_commands(self.settings.kafka_bootstrap, self.settings, accepted)
        send_commands(self.settings.kafka_bootstrap, self.settings, returned)
        wait_until(
            lambda: (
                self.alive()
                or set(chosen) <= case_ids_in_store(self.settings.postgres_dsn, "ReturnReceived")
            ),
            timeout=self.settle_wait,
            interval=0.5,
            what="the acceptances and returns applied",
        )
        self.note(f"{len(chosen)} remedies accepted and their returns received")


@pytest.fixture
def chaos(request: pytest.FixtureRequest) -> Iterator[Chaos]:
    stack = PrivateStack().up()
    settings = Settings(
        store="postgres",
        postgres_dsn=stack.dsn,
        kafka_bootstrap=stack.bootstrap,
        topic_prefix="chaos.",
        partitions=3,
    )
    # Worker logs beside the stack's, so a failed run keeps them all in one directory.
    logs = stack.dir / "workers"
    logs.mkdir()
    clock = logs / "clock"
    set_clock(clock, T0)
    ensure_topics(settings)
    # A stall ends a worker after 30 s (not the default 60) so that the run, whose
    # restarts of Kafka and PostgreSQL last seconds, settles within its time.
    env = worker_env(settings, clock, logs / "data", COMPLAINTS_STALL_TIMEOUT="30")
    workers = {name: Worker([name], env, logs) for name in PROCESSORS}
    failed_before = request.session.testsfailed
    passed = False
    try:
        for worker in workers.values():
            worker.start()
        yield Chaos(stack, settings, workers, clock)
        passed = request.session.testsfailed == failed_before
    finally:
        for worker in workers.values():
            worker.stop()
        if not passed:
            for worker in workers.values():
                print(f"----- {worker.names[0]} (started {worker.starts}x) -----")
                print(worker.log()[-3000:])
        stack.down(keep=not passed)
        if not passed:
            print(f"stack state and worker logs kept in {stack.dir}")


FIXED_STEPS = (
    "ask", "pause", "clock-and-resume", "clock", "accept-and-return", "settle-then-clock",
)  # fmt: skip


def plan(size: Size, rng: random.Random) -> dict[int, list[tuple[str, Any]]]:
    """What happens after each chunk of complaints: fixed steps of time, random faults."""
    after: dict[int, list[tuple[str, Any]]] = defaultdict(list)
    c = size.chunks
    after[c // 4].extend([("ask", "evidence"), ("ask", "information")])
    after[c // 2 - 1].append(("pause", "acknowledgement"))
    after[c // 2].append(("clock-and-resume", T0 + CLOCK_STEPS[0]))
    after[5 * c // 8].append(("clock", T0 + CLOCK_STEPS[1]))
    after[11 * c // 16].append(("accept-and-return", None))
    after[3 * c // 4].append(("ask", "evidence"))
    after[7 * c // 8].append(("clock", T0 + CLOCK_STEPS[2]))
    after[c - 1].append(("settle-then-clock", T0 + CLOCK_STEPS[3]))
    faults: list[tuple[str, Any]] = [
        *(("kill", name) for name in PROCESSORS for _ in range(size.kill_rounds)),
        *(("outage", s) for s in ("kafka", "postgres") for _ in range(size.outages)),
        *(("poison-event", value) for value in POISON_EVENTS),
        ("poison-commands", POISON_COMMANDS),
    ]
    for fault in faults:
        after[rng.randrange(c)].append(fault)
    for steps in after.values():
        fixed = [s for s in steps if s[0] in FIXED_STEPS]
        rest = [s for s in steps if s not in fixed]
        rng.shuffle(rest)
        steps[:] = fixed + rest
    return after


def test_chaos_run_loses_doubles_and_misses_nothing(chaos: Chaos, chaos_scale: ChaosScale) -> None:
    size = SIZES["full" if chaos_scale.full else "short"]
    chaos.settle_wait = size.settle_wait
    rng = random.Random(chaos_scale.seed)
    print(f"chaos run: {size}, seed {chaos_scale.seed}")
    settings = chaos.settings
    dsn, bootstrap = settings.postgres_dsn, settings.kafka_bootstrap

    valid = [
        intake_message(n, sku=f"sku-shared-{n % SHARED_SKUS}" if n % 10 == 0 else f"sku-{n}")
        for n in range(size.cases)
    ]
    expected = {ComplaintCase.create_id("app", m["channel_ref"]) for m in valid}
    resubmitted = rng.sample(valid, max(size.cases // 100, 5))
    stream: list[dict[str, Any] | bytes] = [*valid, *INVALID_INTAKE, *resubmitted]
    rng.shuffle(stream)
    per_chunk = -(-len(stream) // size.chunks)
    steps = plan(size, rng)

    for i in range(size.chunks):
        send_intake(bootstrap, settings, stream[i * per_chunk : (i + 1) * per_chunk])
        chaos.alive()
        for kind, arg in steps.get(i, []):
            if kind == "clock":
                chaos.set_clock(arg)
            elif kind == "ask":
                chaos.ask(arg, rng)
            elif kind == "pause":
                chaos.pause(arg)
            elif kind == "clock-and-resume":
                chaos.jump_while_paused("acknowledgement", arg, rng)
            elif kind == "accept-and-return":
                chaos.accept_and_return(rng)
            elif kind == "settle-then-clock":
                chaos.settle_asked()
                chaos.set_clock(arg)
            elif kind == "kill":
                chaos.kill(arg, rng)
            elif kind == "outage":
                chaos.outage(arg, rng)
            elif kind == "poison-event":
                produce(bootstrap, settings.topic(EVENTS_TOPIC), [arg])
                chaos.note(f"poison event {arg!r}")
            elif kind == "poison-commands":
                produce(bootstrap, settings.topic(COMMANDS_TOPIC), arg)
                chaos.note(f"{len(arg)} malformed commands")
            chaos.alive()
    chaos.note(f"all {len(stream)} intake messages sent; settling")

    # Settled: every complaint filed, no deadline overdue, every processor caught up.
    cases = build_cases(settings)
    try:
        settle(chaos, expected, cases, chaos_scale.settle_seconds)
        chaos.note("settled")
        report = read_cases(cases, expected, chaos.now)
    finally:
        cases.close()

    # No case lost or doubled; the once-only steps happened once.
    assert case_ids_in_store(dsn) == expected, "a case was lost or an extra one opened"
    doubled = sorted(
        (str(case_id), step, counts[step])
        for case_id, counts in report.steps.items()
        for step in ("ComplaintFiled", "AcknowledgementSent", "CaseTriaged", "CaseAssigned")
        if counts[step] != 1
    )
    assert not doubled, f"steps recorded other than once: {doubled[:10]}"

    # Each deadline took effect exactly once, and none is missing.
    twice = sorted((str(c), d, n) for (c, d), n in report.expiries.items() if n != 1)
    assert not twice, f"deadlines expired more than once: {twice[:10]}"
    assert set(report.expiries) == report.expired_state
    assert not report.overdue, f"deadlines due but never expired: {report.overdue[:10]}"
    print(f"expiries by kind: {dict(report.expired_kinds)}")
    missed = [kind for kind in EXPIRING_KINDS if report.expired_kinds[kind] == 0]
    assert not missed, f"the clock jumps fired no expiry of {missed}"
    assert report.reminders > 0, "the clock jumps fired no reminder"
    check_keeper_table(dsn, report)
    linked_twice = sorted(
        str(case_id) for case_id, counts in report.steps.items() if counts["BatchAlertLinked"] > 1
    )
    assert not linked_twice, f"cases linked to a batch alert more than once: {linked_twice[:10]}"
    assert sum(counts["BatchAlertLinked"] for counts in report.steps.values()) > 0

    # The relay published every stored event exactly once.
    stored = sum(sum(c.values()) for c in report.steps.values())
    relayed = relayed_records(bootstrap, settings.topic(EVENTS_TOPIC))
    twice_on_topic = doubles(relayed)
    assert not twice_on_topic, f"events published more than once: {twice_on_topic}"
    assert len(relayed) == stored

    check_dead_letters(settings)
    check_projections_equal_rebuild(settings)
    chaos.note(f"checked; workers restarted after a stall: {chaos.stall_restarts or 'none'}")
    print("\n".join(["chaos run:", *chaos.done]))


def settle(chaos: Chaos, expected: set[UUID], cases: Any, timeout: float) -> None:
    """Wait until every case is filed, no deadline is overdue and every processor caught up."""
    dsn = chaos.settings.postgres_dsn
    lagging: list[str] = []

    def caught_up() -> bool:
        try:
            health = check(chaos.settings, [])
        except HealthCheckError as error:
            lagging[:] = [str(error)]
            return False
        lagging[:] = [f"{h.processor}: {h.detail}" for h in health if not h.caught_up]
        return not lagging

    def quiet() -> bool:
        chaos.alive()
        if case_ids_in_store(dsn) != expected:
            lagging[:] = ["cases missing in the store"]
            return False
        # Caught up, then nothing overdue, then caught up again: an expiry fired in
        # between has been applied, published and projected too.
        if not caught_up():
            return False
        overdue = overdue_deadlines(cases, expected, chaos.now)
        if overdue:
            lagging[:] = [f"{len(overdue)} deadlines overdue, e.g. {overdue[0]}"]
            return False
        return caught_up()

    try:
        wait_until(quiet, timeout=timeout, interval=1.0, what="the workers to settle")
    except AssertionError as error:
        raise AssertionError(f"{error}; still lagging: {lagging}") from None


def check_keeper_table(dsn: str, report: CaseReport) -> None:
    """The keeper's table, kept through every crash, holds exactly every running clock."""
    table = keeper_table(dsn)
    expected = {case_id: clocks for case_id, clocks in report.running.items() if clocks}
    differ = sorted(
        str(case_id)
        for case_id in expected.keys() | table.keys()
        if expected.get(case_id) != table.get(case_id)
    )
    assert not differ, f"the keeper's table differs from the cases' clocks: {differ[:10]}"


def check_dead_letters(settings: Settings) -> None:
    """The dead-letter topics hold exactly the bad inputs, byte for byte."""
    bootstrap = settings.kafka_bootstrap
    bad_intake = {intake_bytes(m) for m in INVALID_INTAKE}
    letters = dead_letters(bootstrap, settings.topic(INTAKE_DLQ_TOPIC))
    assert {(k, v) for k, v, _ in letters} == bad_intake
    assert_redeliveries_only(letters)

    letters = dead_letters(bootstrap, settings.topic(COMMANDS_DLQ_TOPIC))
    assert {(k, v) for k, v, _ in letters} == {(b"odd", v) for v in POISON_COMMANDS}
    assert_redeliveries_only(letters)

    letters = dead_letters(bootstrap, settings.topic(EVENTS_DLQ_TOPIC))
    by_processor: dict[str, set[tuple[bytes, bytes]]] = defaultdict(set)
    for key, value, headers in letters:
        by_processor[headers["dlq_processor"].decode()].add((key, value))
    poison = {(b"odd", v) for v in POISON_EVENTS}
    assert set(by_processor) == EVENT_READERS, f"dead-lettered by {sorted(by_processor)}"
    for processor, found in by_processor.items():
        assert found == poison, f"{processor} dead-lettered {found ^ poison}"
    assert_redeliveries_only(letters)


def assert_redeliveries_only(letters: list[tuple[bytes, bytes, dict[str, bytes]]]) -> None:
    """A bad message may be dead-lettered again after a crash (at least once), never copied."""
    seen = Counter(
        (h["dlq_processor"], h.get("dlq_source_partition"), h.get("dlq_source_offset"), v)
        for _, v, h in letters
    )
    sources: dict[tuple[Any, ...], set[bytes]] = defaultdict(set)
    for processor, partition, offset, value in seen:
        sources[processor, partition, offset].add(value)
    assert all(len(values) == 1 for values in sources.values())
    repeats = sum(n - 1 for n in seen.values())
    if repeats:
        print(f"{repeats} dead letters written again after a crash (at-least-once)")


def check_projections_equal_rebuild(settings: Settings) -> None:
    """Every read model, fed incrementally through the chaos, equals a clean rebuild."""
    live = projection_rows(settings.postgres_dsn)
    rebuild(
        settings.postgres_dsn,
        KafkaClients(settings),
        settings.topic(EVENTS_TOPIC),
        ALL_PROJECTIONS,
    )
    rebuilt = projection_rows(settings.postgres_dsn)
    assert live.keys() == rebuilt.keys()
    for table, rows in live.items():
        if rows == rebuilt[table]:
            continue
        # Only now, and by counting (a full run's timeline has ~150,000 rows: comparing
        # every row with every other one kept the run busy for hours).
        live_rows, rebuilt_rows = Counter(map(repr, rows)), Counter(map(repr, rebuilt[table]))
        only_live = list((live_rows - rebuilt_rows).elements())[:3]
        only_rebuilt = list((rebuilt_rows - live_rows).elements())[:3]
        raise AssertionError(
            f"{table} differs from a clean rebuild; live only: {only_live}; "
            f"rebuilt only: {only_rebuilt}"
        )
    assert sum(len(r) for r in live.values()) > 0
