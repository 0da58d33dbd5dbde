"""The analytics job: reads ``complaints.events.v1`` as its own consumer group, writes the report.

It joins the group ``{prefix}complaint-events-analytics``, which no worker
shares, so it reads the whole stream at its own pace and never takes a
message from a stream processor. ``--once`` reads until it has reached the end
offsets that every partition had when it started, writes the report and exits;
otherwise it keeps reading and rewrites the report every ``every`` seconds.

**Restarts.** The report is a fold of the whole stream, so the job keeps what
it has folded in ``analytics-state.json`` beside the report, together with the
offset it has read up to in each partition: the state and its source position
in one file, replaced atomically, like a projection's rows and position in one
transaction. After a restart it resumes from the state's offsets and the
report covers everything again. Without a state file (first run, deleted, or
``from_beginning``) it reads from offset zero and rebuilds.

**At least once.** Each round writes the CSV files, the chart and then the
state, and only then commits the same offsets to the consumer group, so that
``complaint-events health``-style lag tools see the job's progress. A crash
between the two replays a few events, which the report recognises by event id
and skips. Run one instance per output directory: a second member of the
group would take some of the partitions and neither report would be whole.

**Poison.** A message that is no valid event envelope, or an event the report
cannot fold, is put on the events dead-letter topic with the reason
(``dlq_processor`` = ``analytics``) before the offsets past it are committed,
and the job goes on.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import TopicMissingError
from complaint_events.analytics.daily_report import DailyReport, write_chart, write_csv
from complaint_events.clock import Clock, clock_from_spec
from complaint_events.contracts.dead_letters import DeadLetter
from complaint_events.contracts.topology import EVENTS_DLQ_TOPIC, EVENTS_TOPIC, consumer_group
from complaint_events.contracts.translator import ContractError, from_json_bytes
from complaint_events.processing.messages import Incoming, dead_letter
from complaint_events.settings import Settings

STATE_FILE: Final = "analytics-state.json"
CHART_FILE: Final = "daily_report.png"
_STATE_FORMAT: Final = 1

log = logging.getLogger(__name__)


def group_id(settings: Settings) -> str:
    """The job's consumer group: its own, beside the workers' ``complaint-events-<name>``."""
    return consumer_group(settings.topic_prefix, "analytics")


class AnalyticsJobError(Exception):
    """The job cannot run: the topic is missing, or Kafka never assigned the partitions."""


@dataclass(frozen=True, slots=True)
class JobOptions:
    """How one run behaves (the CLI's flags)."""

    out_dir: Path
    once: bool = False
    every: float = 60.0  # seconds between reports when not --once
    from_beginning: bool = False  # ignore the state file and rebuild from offset zero
    session_timeout: float | None = None  # seconds; default COMPLAINTS_KAFKA_SESSION_TIMEOUT
    progress_every: float = 1.0  # seconds between progress callbacks
    assignment_timeout: float = 60.0  # seconds to wait for the group to assign the partitions


@dataclass(slots=True)
class JobProgress:
    """What this run has read so far."""

    read: int = 0  # messages taken from the topic
    applied: int = 0  # events new to the report
    duplicates: int = 0  # events the report already held (redelivered or replayed)
    undecodable: int = 0  # messages that are no valid event envelope (dead-lettered)
    set_aside: int = 0  # events the report could not fold (dead-lettered)
    seconds: float = 0.0  # since the run started
    per_second: float = 0.0  # messages read per second since the previous progress report
    lag: int | None = None  # messages left before the end (--once, once assigned)
    reports_written: int = 0


@dataclass(frozen=True, slots=True)
class JobResult:
    """Where the report went, what it holds, and how the run went."""

    files: list[Path]
    report: DailyReport
    as_of: datetime
    progress: JobProgress
    rebuilt: bool  # read from offset zero (no usable state file, or from_beginning)


@dataclass(slots=True)
class _Run:
    report: DailyReport
    positions: dict[TopicPartition, int] = field(default_factory=dict)  # next offset to read
    rebuilt: bool = False


class AnalyticsJob:
    """One consumer of the events topic feeding a :class:`DailyReport`."""

    def __init__(
        self,
        settings: Settings,
        options: JobOptions,
        *,
        clock: Clock | None = None,
        on_progress: Callable[[JobProgress], None] | None = None,
    ) -> None:
        self.settings = settings
        self.options = options
        self.topic = settings.topic(EVENTS_TOPIC)
        self.group = group_id(settings)
        self.clock = clock or clock_from_spec(settings.clock)
        self.on_progress = on_progress or (lambda _progress: None)
        self.state_path = options.out_dir / STATE_FILE
        self._dead_letters: KafkaProducer | None = None

    def run(self, stop: threading.Event | None = None) -> JobResult:
        """Read, fold and write until caught up (``once``) or until ``stop`` is set."""
        stop = stop or threading.Event()
        run = self._load_state()
        consumer = self._consumer()
        try:
            partitions = self._partitions(consumer)
            consumer.subscribe([self.topic], listener=_SeekToState(consumer, run))
            ends = consumer.end_offsets(partitions) if self.options.once else {}
            return self._loop(consumer, run, partitions, ends, stop)
        finally:
            consumer.close(autocommit=False)
            if self._dead_letters is not None:
                self._dead_letters.close()

    def _loop(
        self,
        consumer: KafkaConsumer,
        run: _Run,
        partitions: list[TopicPartition],
        ends: dict[TopicPartition, int],
        stop: threading.Event,
    ) -> JobResult:
        progress = JobProgress()
        started = last_report = time.monotonic()
        tick = _ProgressTick(started)
        while not stop.is_set():
            self._read(consumer, run, progress)
            now = time.monotonic()
            progress.seconds = now - started
            if self.options.once:
                if set(consumer.assignment()) == set(partitions):
                    progress.lag = sum(
                        max(end - consumer.position(tp), 0) for tp, end in ends.items()
                    )
                    if progress.lag == 0:
                        break
                elif now - started > self.options.assignment_timeout:
                    raise AnalyticsJobError(
                        f"no assignment of all {len(partitions)} partitions of {self.topic} "
                        f"within {self.options.assignment_timeout:.0f}s; is another member of "
                        f"group {self.group} running?"
                    )
            elif now - last_report >= self.options.every:
                self._write_and_commit(consumer, run, progress)
                last_report = now
            # Running on, an idle job stays quiet; --once shows its lag going down.
            idle = progress.read == tick.read and not self.options.once
            if now - tick.at >= self.options.progress_every and not idle:
                tick.report(progress, now, self.on_progress)
        result = self._write_and_commit(consumer, run, progress)
        tick.report(progress, time.monotonic(), self.on_progress)
        return result

    def _read(self, consumer: KafkaConsumer, run: _Run, progress: JobProgress) -> None:
        batches = consumer.poll(timeout_ms=500, max_records=2000)
        letters: list[DeadLetter] = []
        for tp, records in batches.items():
            for record in records:
                progress.read += 1
                try:
                    envelope = from_json_bytes(record.value)
                except ContractError as error:
                    progress.undecodable += 1
                    letters.append(self._letter(record, f"not a valid case event: {error}"))
                else:
                    try:
                        applied = run.report.apply(envelope)
                    except Exception as error:  # noqa: BLE001 - set aside with its reason
                        progress.set_aside += 1
                        letters.append(
                            self._letter(
                                record,
                                f"the report could not fold {envelope.event_type} "
                                f"{envelope.event_id}: {error!r}",
                            )
                        )
                    else:
                        progress.applied += 1 if applied else 0
                        progress.duplicates += 0 if applied else 1
                run.positions[tp] = record.offset + 1
        self._dead_letter(letters)

    def _letter(self, record: Any, reason: str) -> DeadLetter:
        message = Incoming(
            value=record.value or b"",
            key=record.key,
            headers=tuple(record.headers or ()),
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
        )
        return dead_letter(
            message, reason=reason[:1000], processor="analytics", failed_at=self.clock.now()
        )

    def _dead_letter(self, letters: list[DeadLetter]) -> None:
        """Put ``letters`` on the events dead-letter topic before offsets past them are saved."""
        if not letters:
            return
        if self._dead_letters is None:
            self._dead_letters = KafkaClients(self.settings).producer()
        topic = self.settings.topic(EVENTS_DLQ_TOPIC)
        for letter in letters:
            log.warning(
                "analytics: set aside %s[%s]@%s: %s",
                letter.source_topic,
                letter.source_partition,
                letter.source_offset,
                letter.reason,
            )
            self._dead_letters.send(
                topic, key=letter.key, value=letter.value, headers=letter.headers()
            )
        self._dead_letters.flush()

    # ------------------------------------------------------------- report

    def _write_and_commit(
        self, consumer: KafkaConsumer, run: _Run, progress: JobProgress
    ) -> JobResult:
        # Partitions read from offset zero without a record yet (or whose early records
        # the broker's retention removed) still have a position worth keeping.
        for tp in consumer.assignment():
            run.positions[tp] = consumer.position(tp)
        as_of = self.clock.now()
        out = self.options.out_dir
        files = [*write_csv(run.report, out, as_of=as_of)]
        files.append(write_chart(run.report, out / CHART_FILE, as_of=as_of))
        files.append(self._save_state(run, as_of))
        progress.reports_written += 1
        # Only now that the report is on disk may the group move past what it holds.
        offsets = {
            tp: OffsetAndMetadata(offset, "", -1)
            for tp, offset in run.positions.items()
            if tp in consumer.assignment()
        }
        try:
            if offsets:
                consumer.commit(offsets)
        except KafkaError as error:  # a rebalance: the next round commits again
            log.warning("could not commit offsets of group %s: %s", self.group, error)
        return JobResult(files, run.report, as_of, progress, run.rebuilt)

    # --------------------------------------------------------------- state

    def _save_state(self, run: _Run, as_of: datetime) -> Path:
        state = {
            "format": _STATE_FORMAT,
            "topic": self.topic,
            "group": self.group,
            "written_at": as_of.isoformat(),
            "positions": {str(tp.partition): offset for tp, offset in run.positions.items()},
            "report": run.report.to_state(),
        }
        tmp = self.state_path.with_name(f".{self.state_path.name}.tmp")
        tmp.write_text(json.dumps(state, separators=(",", ":")), encoding="utf-8")
        tmp.replace(self.state_path)
        return self.state_path

    def _load_state(self) -> _Run:
        if self.options.from_beginning:
            log.info("rebuilding the report from offset zero (--from-beginning)")
            return _Run(DailyReport(), rebuilt=True)
        try:
            report, positions = _read_state(self.state_path, self.topic)
        except FileNotFoundError:
            log.info("no state file %s: building the report from offset zero", self.state_path)
            return _Run(DailyReport(), rebuilt=True)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignoring state file %s (%s); rebuilding", self.state_path, error)
            return _Run(DailyReport(), rebuilt=True)
        log.info("resuming from %s at %s", self.state_path, _describe(positions))
        return _Run(report, positions)

    # --------------------------------------------------------------- kafka

    def _consumer(self) -> KafkaConsumer:
        session_ms = int(
            (self.options.session_timeout or self.settings.kafka_session_timeout) * 1000
        )
        return KafkaClients(self.settings).consumer(
            self.group,
            group_id=self.group,
            auto_offset_reset="earliest",
            allow_auto_create_topics=False,
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(session_ms // 3, 100),
        )

    def _partitions(self, consumer: KafkaConsumer) -> list[TopicPartition]:
        if self.topic not in consumer.topics():
            raise TopicMissingError(self.topic)
        numbers = consumer.partitions_for_topic(self.topic) or set()
        return [TopicPartition(self.topic, p) for p in sorted(numbers)]


@dataclass(slots=True)
class _ProgressTick:
    at: float  # when progress was last reported
    read: int = 0  # messages read by then

    def report(
        self, progress: JobProgress, now: float, callback: Callable[[JobProgress], None]
    ) -> None:
        if now > self.at:
            progress.per_second = (progress.read - self.read) / (now - self.at)
        self.at, self.read = now, progress.read
        callback(progress)


class _SeekToState(ConsumerRebalanceListener):  # type: ignore[misc]
    """Start each assigned partition where the report's state ends, not at the group's offset.

    The state is the source of truth for what the report holds; the group's
    committed offsets only trail it (they may be older after a crash, or gone
    after the broker's offset retention).
    """

    def __init__(self, consumer: KafkaConsumer, run: _Run) -> None:
        self.consumer = consumer
        self.run = run

    def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        """Nothing to do: offsets are committed with each report, never on a rebalance."""

    def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        for tp in assigned:
            offset = self.run.positions.get(tp)
            if offset is None:
                self.consumer.seek_to_beginning(tp)
            else:
                self.consumer.seek(tp, offset)


def _read_state(path: Path, topic: str) -> tuple[DailyReport, dict[TopicPartition, int]]:
    state: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    if state.get("format") != _STATE_FORMAT or state.get("topic") != topic:
        raise ValueError(f"it is not a format-{_STATE_FORMAT} state of {topic}")
    positions = {TopicPartition(topic, int(p)): int(o) for p, o in state["positions"].items()}
    return DailyReport.from_state(state["report"]), positions


def _describe(positions: dict[TopicPartition, int]) -> str:
    return ", ".join(f"[{tp.partition}]@{o}" for tp, o in sorted(positions.items())) or "offset 0"
