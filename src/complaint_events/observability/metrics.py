"""Every Prometheus series of complaint-events, defined once (docs/operations-metrics.md).

The API serves them at ``/metrics``; a worker, the relay and the projector serve
them on their own port (:mod:`complaint_events.observability.metrics_server`).
The adapters and agents that do the work count it here, with a few calls per
batch: counters and histograms only on the hot path, and labels drawn from small
fixed sets (processor, topic, partition, a reason kind) — never a case id.

The domain and the processing rules import nothing from here; only adapters,
consumers and the command line do.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Final

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

from complaint_events.contracts.dead_letters import DeadLetter

if TYPE_CHECKING:
    from complaint_events.projections.projector import ProjectorStats
    from complaint_events.relay import RelayStats

PREFIX: Final = "complaints_"

# No *_created series beside every counter: a restart shows as a reset all the same.
disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated

MESSAGES_IN: Final = Counter(
    "complaints_messages_in",
    "Messages a processor took from its source (topic or event store), in batches.",
    ["processor"],
)
MESSAGES_OUT: Final = Counter(
    "complaints_messages_out",
    "Messages a processor (or the API) published and Kafka took, by topic.",
    ["processor", "topic"],
)
DEAD_LETTERS: Final = Counter(
    "complaints_dead_letters",
    "Messages set aside on a dead-letter topic; reason is 'invalid' (the message breaks "
    "its contract) or 'failed' (handling it failed).",
    ["processor", "topic", "reason"],
)
BATCH_SECONDS: Final = Histogram(
    "complaints_batch_seconds",
    "Seconds a processor spent on one batch, sends and dead letters included.",
    ["processor"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
CONSUMER_LAG: Final = Gauge(
    "complaints_consumer_lag",
    "Work waiting per partition, as the stall watchdog last saw it: end offset minus "
    "committed offset (consumer groups, projector), newest notification minus position "
    "(relay).",
    ["watch", "topic", "partition"],
)
STALL_SECONDS: Final = Gauge(
    "complaints_stall_seconds",
    "Seconds a partition has had work waiting without progress; the worker exits "
    "(code 70) when this reaches complaints_stall_timeout_seconds.",
    ["watch", "topic", "partition"],
)
STALL_TIMEOUT: Final = Gauge(
    "complaints_stall_timeout_seconds",
    "The stall watchdog's timeout (COMPLAINTS_STALL_TIMEOUT); 0 when it is off.",
)
WATCHDOG_BLIND: Final = Gauge(
    "complaints_watchdog_blind",
    "1 while the stall watchdog cannot see a watch (Kafka or PostgreSQL out of reach).",
    ["watch"],
)
DEADLINES_PENDING: Final = Gauge(
    "complaints_deadlines_pending",
    "Running deadlines in the deadline keeper's table, counted every few seconds.",
)
DEADLINES_OVERDUE: Final = Gauge(
    "complaints_deadlines_overdue",
    "Running deadlines whose due time has passed, counted with complaints_deadlines_pending.",
)
DEADLINES_FIRED: Final = Counter(
    "complaints_deadlines_fired",
    "Deadline commands the keeper sent: action 'expire' or 'remind'.",
    ["action"],
)
DEADLINES_REARMED: Final = Counter(
    "complaints_deadlines_rearmed",
    "Overdue deadlines a sweep armed again because their command did not take effect.",
)
RELAY_POSITION: Final = Gauge(
    "complaints_relay_position",
    "Notification id of the last stored event the relay published.",
)
RELAY_SKIPPED: Final = Counter(
    "complaints_relay_skipped",
    "Stored events the relay found already on the topic (after a takeover) and skipped.",
)
RELAY_HELD: Final = Counter(
    "complaints_relay_held",
    "Stored events too large for a Kafka record, held back in the relay's quarantine.",
)
HTTP_REQUESTS: Final = Counter(
    "complaints_http_requests",
    "Requests the API answered, by route template, method and status code.",
    ["route", "method", "status"],
)
HTTP_SECONDS: Final = Histogram(
    "complaints_http_request_seconds",
    "Seconds the API took to answer, by route template.",
    ["route"],
)

INVALID: Final = "invalid"
FAILED: Final = "failed"


@contextmanager
def processing(processor: str, messages: int) -> Iterator[None]:
    """Count a batch of ``messages`` taken by ``processor`` and time the block that handles it."""
    MESSAGES_IN.labels(processor).inc(messages)
    started = time.perf_counter()
    try:
        yield
    finally:
        BATCH_SECONDS.labels(processor).observe(time.perf_counter() - started)


def count_sent(processor: str, topics: Iterable[str]) -> None:
    """Count messages ``processor`` published, one topic name per message."""
    counts: dict[str, int] = {}
    for topic in topics:
        counts[topic] = counts.get(topic, 0) + 1
    for topic, count in counts.items():
        MESSAGES_OUT.labels(processor, topic).inc(count)


def count_dead_letters(topic: str, letters: Iterable[DeadLetter]) -> None:
    """Count dead letters put on ``topic`` by processor and kind of reason."""
    for letter in letters:
        DEAD_LETTERS.labels(_processor_of(letter), topic, reason_kind(letter)).inc()


def reason_kind(letter: DeadLetter) -> str:
    """``invalid`` if the message breaks its contract, ``failed`` if handling it failed."""
    reason = letter.reason.lower()
    if letter.errors or reason.startswith("not a") or ": not a" in reason[:80]:
        return INVALID
    if "does not match its contract" in reason:
        return INVALID
    return FAILED


def _processor_of(letter: DeadLetter) -> str:
    # The projector names the read model after a colon (projections:case_summary).
    return letter.processor.split(":", 1)[0]


class Deltas:
    """Turns a loop's running totals into counter increments.

    A relay or projector built afresh after a failure starts its stats at zero; a new
    stats object is therefore counted from zero, not subtracted from the old one's.
    """

    def __init__(self) -> None:
        self._of: object | None = None
        self._last: dict[str, int] = {}

    def step(self, stats: object, totals: Mapping[str, int]) -> dict[str, int]:
        """How much each of ``totals`` (read from ``stats``) grew since the last step."""
        if stats is not self._of:
            self._of, self._last = stats, {}
        grown = {name: max(0, value - self._last.get(name, 0)) for name, value in totals.items()}
        self._last = dict(totals)
        return grown


RELAY: Final = "relay"
PROJECTIONS: Final = "projections"


def observe_relay(deltas: Deltas, stats: RelayStats, topic: str) -> None:
    """Count what the relay did since its last batch (its ``on_batch`` calls this)."""
    grown = deltas.step(
        stats,
        {
            "published": stats.published,
            "skipped": stats.skipped_already_on_topic,
            "held": stats.held,
        },
    )
    MESSAGES_OUT.labels(RELAY, topic).inc(grown["published"])
    RELAY_SKIPPED.inc(grown["skipped"])
    RELAY_HELD.inc(grown["held"])
    RELAY_POSITION.set(stats.position)


def observe_projector(deltas: Deltas, stats: ProjectorStats) -> None:
    """Count what the projector read since its last batch (its ``on_batch`` calls this)."""
    grown = deltas.step(stats, {"read": stats.read})
    MESSAGES_IN.labels(PROJECTIONS).inc(grown["read"])


class PartitionGauges:
    """The lag and stall gauges of one process's watches, without stale partitions.

    A rebalance moves partitions to another worker: their series are removed here,
    so that a dashboard does not show a lag this worker no longer has.
    """

    def __init__(self) -> None:
        self._shown: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()

    def show(self, watch: str, rows: Iterable[tuple[str, int, int, float]]) -> None:
        """Set the gauges of ``watch`` to (topic, partition, lag, stalled seconds) rows."""
        with self._lock:
            now_shown: set[tuple[str, str]] = set()
            for topic, partition, lag, stalled_for in rows:
                labels = (topic, str(partition))
                CONSUMER_LAG.labels(watch, *labels).set(lag)
                STALL_SECONDS.labels(watch, *labels).set(stalled_for)
                now_shown.add(labels)
            for gone in self._shown.get(watch, set()) - now_shown:
                CONSUMER_LAG.remove(watch, *gone)
                STALL_SECONDS.remove(watch, *gone)
            self._shown[watch] = now_shown
            WATCHDOG_BLIND.labels(watch).set(0)

    def blind(self, watch: str) -> None:
        """``watch`` cannot see this round: its partitions' gauges go, until it sees again."""
        self.show(watch, ())
        WATCHDOG_BLIND.labels(watch).set(1)


PARTITIONS: Final = PartitionGauges()


def announce(processors: Iterable[str]) -> None:
    """Make the series of ``processors`` exist from the start, at zero, before any batch."""
    for processor in processors:
        MESSAGES_IN.labels(processor)
        BATCH_SECONDS.labels(processor)


for _action in ("expire", "remind"):
    DEADLINES_FIRED.labels(_action)
