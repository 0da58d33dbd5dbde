"""The daily SLA and defect report, folded from the case events of ``complaints.events.v1``.

Pure: :class:`DailyReport` takes :class:`EventEnvelope` s one at a time (in
per-case order, as Kafka delivers them) and answers with rows; it reads no
clock, file or topic. A redelivered event (same ``event_id``) changes nothing,
so an at-least-once consumer may replay freely. The writers at the bottom put
the rows into ``sla_daily.csv``, ``defects_by_sku.csv`` and a PNG chart.

Every SLA figure is dated by the UTC date of the event that produced it, and
split by the channel the complaint came in on:

* ``complaints_filed``: ComplaintFiled (dated by its receipt time);
* ``ack_in_time`` / ``ack_late``: AcknowledgementSent at or before / after the
  acknowledgement deadline stored in ComplaintFiled (moved back by a spot check
  that paused it, as SpotCheckResultRecorded says; sent while paused is in time);
* ``ack_overdue``: no acknowledgement yet and the deadline has passed at the
  report's ``as_of`` (or the deadline keeper expired it), dated by the due time;
* ``ack_mean_hours`` / ``ack_p90_hours``: receipt to acknowledgement, of the
  acknowledgements sent that day (p90 by nearest rank);
* ``evidence_requested`` / ``evidence_answered_in_time`` / ``evidence_answered_late``:
  MerchantEvidenceRequested, and MerchantEvidenceSubmitted against its deadline;
* ``evidence_deadline_expired``: DeadlineExpired of kind ``merchant_evidence``
  (the merchant stayed silent; the platform intervenes);
* ``default_judgments``: LiabilityDetermined on the ``silent_merchant`` ground,
  the default judgment a silent merchant gets when the photos show the defect;
* ``cases_closed`` / ``close_mean_hours``: CaseClosed, and receipt to closure.

The clocks are followed with the fold of the read models and the deadline keeper
(:func:`complaint_events.processing.deadline_fold.fold_deadlines`: which event
meets, pauses, resumes, expires or cancels which clock); the report keeps only
the clocks it counts, the acknowledgement until it is answered and the running
merchant-evidence request, and reads them by :func:`_met_in_time` and
:func:`_overdue`.

The defect table covers the whole stream, per SKU: complaints filed, spot
checks with a result (a batch alert's one check counts once although every
linked case records its result), defects confirmed, defect rate (defects
confirmed / spot checks with a result) and batch-quality alerts.
"""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, astuple, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from uuid import UUID

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.events import (
    AcknowledgementSentV1,
    BatchAlertLinkedV1,
    BatchQualityAlertRaisedV1,
    CaseClosedV1,
    ComplaintFiledV1,
    ComplaintFiledV2,
    ComplaintFiledV3,
    DeadlineExpiredV1,
    LiabilityDeterminedV1,
    MerchantEvidenceRequestedV1,
    MerchantEvidenceSubmittedV1,
    SpotCheckOrderedV1,
    SpotCheckResultRecordedV1,
)
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import DeadlineKind, LiabilityGround, SpotCheckOutcome
from complaint_events.processing.deadline_fold import fold_deadlines, running_deadline
from complaint_events.processing.deadline_json import deadlines_from_json, deadlines_json

SLA_FILE: Final = "sla_daily.csv"
SKU_FILE: Final = "defects_by_sku.csv"
UNKNOWN: Final = "unknown"  # channel / SKU of a case whose ComplaintFiled was not read
# The spot-check scope of a batch alert's check (SpotCheckResultRecordedV1.scope).
_BATCH_SCOPE: Final = "batch:"
_STATE_FORMAT: Final = 2  # 2: a case's clocks as the fold's (1: the report's own)
_TOP_SKUS: Final = 10
_SLA_COLOUR: Final = "#4c9a6a"
_FILED_COLOUR: Final = "#c0504d"
_DEFECT_COLOUR: Final = "#d9822b"


# --------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class SlaRow:
    """One line of ``sla_daily.csv``: one UTC day and one intake channel."""

    day: date
    channel: str
    complaints_filed: int
    ack_in_time: int
    ack_late: int
    ack_overdue: int
    ack_compliance: float | None  # in time / (in time + late + overdue)
    ack_mean_hours: float | None
    ack_p90_hours: float | None
    evidence_requested: int
    evidence_answered_in_time: int
    evidence_answered_late: int
    evidence_deadline_expired: int
    default_judgments: int
    cases_closed: int
    close_mean_hours: float | None


@dataclass(frozen=True, slots=True)
class SkuRow:
    """One line of ``defects_by_sku.csv``."""

    sku: str
    complaints: int
    spot_checks: int
    defects_confirmed: int
    defect_rate: float | None  # defects confirmed / spot checks with a result
    batch_alerts: int


SLA_COLUMNS: Final = tuple(f.name for f in fields(SlaRow))
SKU_COLUMNS: Final = tuple(f.name for f in fields(SkuRow))


# -------------------------------------------------------------------- state


def _met_in_time(clock: Deadline, at: datetime) -> bool:
    """Met at ``at``: at or before the due time, or while a spot check paused it."""
    if clock.state is DeadlineState.PAUSED:
        return True
    return clock.state is DeadlineState.OPEN and at <= clock.due_at


def _overdue(clock: Deadline, as_of: datetime | None) -> bool:
    """Unmet and past due at ``as_of``; expired, or frozen overdue by a closure (cancelled)."""
    if clock.state is DeadlineState.OPEN:
        return as_of is not None and as_of > clock.due_at
    return clock.state is not DeadlineState.PAUSED


_UNMET: Final = frozenset({DeadlineState.OPEN, DeadlineState.PAUSED, DeadlineState.EXPIRED})


def _still_counted(clock: Deadline, *, acknowledged: bool, was_overdue: bool) -> bool:
    """Whether the report keeps ``clock`` after an event (see :meth:`_Case.follow`)."""
    if clock.kind is DeadlineKind.MERCHANT_EVIDENCE:
        return clock.is_running
    if clock.kind is not DeadlineKind.ACKNOWLEDGEMENT or acknowledged:
        return False
    return clock.state in _UNMET or (clock.state is DeadlineState.CANCELLED and was_overdue)


@dataclass(slots=True)
class _Case:
    channel: str = UNKNOWN
    sku: str = UNKNOWN
    filed_at: datetime | None = None
    # The case's clocks as the fold leaves them, of those the report counts: the
    # acknowledgement until it is sent, and a running merchant-evidence request.
    clocks: dict[str, Deadline] = field(default_factory=dict)

    @property
    def ack(self) -> Deadline | None:
        """The acknowledgement clock while no acknowledgement was sent."""
        return next(
            (c for c in self.clocks.values() if c.kind is DeadlineKind.ACKNOWLEDGEMENT), None
        )

    def follow(self, envelope: EventEnvelope, at: datetime) -> None:
        """The clocks after ``envelope`` by the fold's rules, less those no longer counted.

        A sent acknowledgement ends the wait for one, in time or late. Closure
        cancels the running clocks: an acknowledgement that was already overdue
        stays a breach (kept, cancelled); one not yet due no longer can be.
        """
        acknowledged = envelope.event_type == "AcknowledgementSent"
        ack = self.ack
        was_overdue = ack is not None and _overdue(ack, at)
        self.clocks = {
            deadline_id: clock
            for deadline_id, clock in fold_deadlines(self.clocks, envelope).items()
            if _still_counted(clock, acknowledged=acknowledged, was_overdue=was_overdue)
        }


@dataclass(slots=True)
class _Tally:
    """What happened on one day through one channel (lists hold durations in hours)."""

    filed: int = 0
    ack_in_time: int = 0
    ack_late: int = 0
    ack_hours: list[float] = field(default_factory=list)
    evidence_requested: int = 0
    evidence_in_time: int = 0
    evidence_late: int = 0
    evidence_expired: int = 0
    default_judgments: int = 0
    closed: int = 0
    close_hours: list[float] = field(default_factory=list)

    def acknowledged(self, in_time: bool, filed_at: datetime | None, at: datetime) -> None:
        if in_time:
            self.ack_in_time += 1
        else:
            self.ack_late += 1
        if filed_at is not None:
            self.ack_hours.append(_hours(filed_at, at))

    def evidence_answered(self, in_time: bool) -> None:
        if in_time:
            self.evidence_in_time += 1
        else:
            self.evidence_late += 1

    def closed_case(self, filed_at: datetime | None, at: datetime) -> None:
        self.closed += 1
        if filed_at is not None:
            self.close_hours.append(_hours(filed_at, at))

    def add(self, other: _Tally) -> None:
        """Count ``other`` in too (sums the counts, joins the durations)."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _row(day: date, channel: str, tally: _Tally | None, overdue: int) -> SlaRow:
    t = tally or _Tally()
    return SlaRow(
        day=day,
        channel=channel,
        complaints_filed=t.filed,
        ack_in_time=t.ack_in_time,
        ack_late=t.ack_late,
        ack_overdue=overdue,
        ack_compliance=_ratio(t.ack_in_time, t.ack_in_time + t.ack_late + overdue),
        ack_mean_hours=_mean(t.ack_hours),
        ack_p90_hours=_p90(t.ack_hours),
        evidence_requested=t.evidence_requested,
        evidence_answered_in_time=t.evidence_in_time,
        evidence_answered_late=t.evidence_late,
        evidence_deadline_expired=t.evidence_expired,
        default_judgments=t.default_judgments,
        cases_closed=t.closed,
        close_mean_hours=_mean(t.close_hours),
    )


class DailyReport:
    """The report so far: fold envelopes in with :meth:`apply`, read rows out."""

    def __init__(self) -> None:
        self._seen: set[UUID] = set()
        self._cases: dict[UUID, _Case] = {}
        self._tallies: dict[tuple[date, str], _Tally] = defaultdict(_Tally)
        self._sku_complaints: dict[str, int] = defaultdict(int)
        self._spot_checks: dict[str, tuple[str, str]] = {}  # check -> (SKU, outcome)
        self._alerts: dict[str, set[str]] = defaultdict(set)
        self.events_applied = 0
        self.duplicates = 0
        self.last_recorded_at: datetime | None = None

    @property
    def cases(self) -> int:
        return len(self._cases)

    def apply(self, envelope: EventEnvelope) -> bool:
        """Fold one event in; False (and no change) when this event id was folded before."""
        if envelope.event_id in self._seen:
            self.duplicates += 1
            return False
        self._seen.add(envelope.event_id)
        self.events_applied += 1
        if self.last_recorded_at is None or envelope.recorded_at > self.last_recorded_at:
            self.last_recorded_at = envelope.recorded_at
        self._fold(envelope)
        return True

    def _fold(self, envelope: EventEnvelope) -> None:
        at = envelope.occurred_at.astimezone(UTC)
        case_id = envelope.case_id
        match envelope.typed_payload():
            case ComplaintFiledV1() | ComplaintFiledV2() | ComplaintFiledV3() as filed:
                case = _Case(filed.channel.value, filed.sku, at)
                self._cases[case_id] = case
                self._tally(at, case).filed += 1
                self._sku_complaints[filed.sku] += 1
            case AcknowledgementSentV1():
                case = self._case(case_id)
                clock = case.ack
                if clock is not None:  # without it, neither the promise nor the receipt is known
                    self._tally(at, case).acknowledged(_met_in_time(clock, at), case.filed_at, at)
            case MerchantEvidenceRequestedV1():
                self._tally(at, self._case(case_id)).evidence_requested += 1
            case MerchantEvidenceSubmittedV1():
                case = self._case(case_id)
                clock = running_deadline(case.clocks, DeadlineKind.MERCHANT_EVIDENCE)
                if clock is not None:
                    self._tally(at, case).evidence_answered(_met_in_time(clock, at))
            case DeadlineExpiredV1(kind=DeadlineKind.ACKNOWLEDGEMENT) | SpotCheckOrderedV1():
                self._case(case_id)  # only its clocks change
            case DeadlineExpiredV1(kind=DeadlineKind.MERCHANT_EVIDENCE):
                self._tally(at, self._case(case_id)).evidence_expired += 1
            case LiabilityDeterminedV1(grounds=grounds):
                if LiabilityGround.SILENT_MERCHANT in grounds:
                    self._tally(at, self._case(case_id)).default_judgments += 1
            case SpotCheckResultRecordedV1() as result:
                self._spot_check_result(case_id, envelope.event_id, result)
            case CaseClosedV1():
                case = self._case(case_id)
                self._tally(at, case).closed_case(case.filed_at, at)
            case (
                BatchAlertLinkedV1(alert_id=alert_id, sku=sku)
                | BatchQualityAlertRaisedV1(alert_id=alert_id, sku=sku)
            ):
                self._alerts[sku].add(alert_id)
            case _:
                pass  # other events move no figure of this report
        followed = self._cases.get(case_id)
        if followed is not None:
            followed.follow(envelope, at)

    def _spot_check_result(
        self, case_id: UUID, event_id: UUID, result: SpotCheckResultRecordedV1
    ) -> None:
        # A batch alert's one check reaches every linked case: count it once, by its scope.
        scope = result.scope or ""
        check = scope if scope.startswith(_BATCH_SCOPE) else str(event_id)
        self._spot_checks[check] = (self._case(case_id).sku, result.outcome.value)

    def _case(self, case_id: UUID) -> _Case:
        return self._cases.setdefault(case_id, _Case())

    def _tally(self, at: datetime, case: _Case) -> _Tally:
        return self._tallies[(at.astimezone(UTC).date(), case.channel)]

    # ---------------------------------------------------------------- rows

    def sla_rows(self, as_of: datetime | None = None) -> list[SlaRow]:
        """``sla_daily.csv`` by day and channel; overdue counted as at ``as_of``.

        ``as_of`` defaults to the latest ``recorded_at`` read: the stream's own "now".
        """
        overdue = self._overdue_counts(as_of or self.last_recorded_at)
        keys = sorted(set(self._tallies) | set(overdue))
        return [
            _row(day, channel, self._tallies.get((day, channel)), overdue.get((day, channel), 0))
            for day, channel in keys
        ]

    def daily_totals(self, as_of: datetime | None = None) -> list[SlaRow]:
        """One row per day with every channel together (channel ``all``): chart and summary."""
        overdue: dict[date, int] = defaultdict(int)
        for (day, _), count in self._overdue_counts(as_of or self.last_recorded_at).items():
            overdue[day] += count
        tallies: dict[date, _Tally] = defaultdict(_Tally)
        for (day, _), tally in self._tallies.items():
            tallies[day].add(tally)
        return [
            _row(day, "all", tallies.get(day), overdue.get(day, 0))
            for day in sorted(set(tallies) | set(overdue))
        ]

    def _overdue_counts(self, as_of: datetime | None) -> dict[tuple[date, str], int]:
        """Unacknowledged cases past their due time, by the day it fell due."""
        counts: dict[tuple[date, str], int] = defaultdict(int)
        for case in self._cases.values():
            ack = case.ack
            if ack is not None and _overdue(ack, as_of):
                counts[(ack.due_at.astimezone(UTC).date(), case.channel)] += 1
        return counts

    def sku_rows(self) -> list[SkuRow]:
        """``defects_by_sku.csv``: every SKU complained about or checked, by SKU."""
        checks: dict[str, list[str]] = defaultdict(list)
        for sku, outcome in self._spot_checks.values():
            checks[sku].append(outcome)
        skus = sorted(set(self._sku_complaints) | set(checks) | set(self._alerts))
        rows = []
        for sku in skus:
            defects = checks[sku].count(SpotCheckOutcome.DEFECT_CONFIRMED.value)
            rows.append(
                SkuRow(
                    sku=sku,
                    complaints=self._sku_complaints.get(sku, 0),
                    spot_checks=len(checks[sku]),
                    defects_confirmed=defects,
                    defect_rate=_ratio(defects, len(checks[sku])),
                    batch_alerts=len(self._alerts.get(sku, ())),
                )
            )
        return rows

    # --------------------------------------------------------------- state

    def to_state(self) -> dict[str, Any]:
        """Everything folded so far, as JSON values (see :meth:`from_state`)."""
        return {
            "format": _STATE_FORMAT,
            "events_applied": self.events_applied,
            "duplicates": self.duplicates,
            "last_recorded_at": _iso(self.last_recorded_at),
            "seen": sorted(str(e) for e in self._seen),
            "cases": {str(k): _case_state(c) for k, c in self._cases.items()},
            "tallies": [[d.isoformat(), ch, asdict(t)] for (d, ch), t in self._tallies.items()],
            "sku_complaints": dict(self._sku_complaints),
            "spot_checks": {k: list(v) for k, v in self._spot_checks.items()},
            "alerts": {sku: sorted(ids) for sku, ids in self._alerts.items()},
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DailyReport:
        """The report :meth:`to_state` saved; ValueError if it is not such a state."""
        if state.get("format") != _STATE_FORMAT:
            raise ValueError(f"unknown report state format {state.get('format')!r}")
        report = cls()
        report.events_applied = int(state["events_applied"])
        report.duplicates = int(state["duplicates"])
        report.last_recorded_at = _from_iso(state["last_recorded_at"])
        report._seen = {UUID(e) for e in state["seen"]}
        report._cases = {UUID(k): _case_from_state(v) for k, v in state["cases"].items()}
        for day, channel, tally in state["tallies"]:
            report._tallies[(date.fromisoformat(day), channel)] = _Tally(**tally)
        report._sku_complaints.update(state["sku_complaints"])
        report._spot_checks = {k: (v[0], v[1]) for k, v in state["spot_checks"].items()}
        for sku, ids in state["alerts"].items():
            report._alerts[sku] = set(ids)
        return report


def _case_state(case: _Case) -> dict[str, Any]:
    return {
        "channel": case.channel,
        "sku": case.sku,
        "filed_at": _iso(case.filed_at),
        "clocks": deadlines_json(case.clocks),
    }


def _case_from_state(state: dict[str, Any]) -> _Case:
    return _Case(
        channel=state["channel"],
        sku=state["sku"],
        filed_at=_from_iso(state["filed_at"]),
        clocks=deadlines_from_json(state["clocks"]),
    )


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_iso(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


# ------------------------------------------------------------------ writers


def write_csv(report: DailyReport, directory: Path, *, as_of: datetime | None = None) -> list[Path]:
    """Write ``sla_daily.csv`` and ``defects_by_sku.csv`` into ``directory`` (atomically each)."""
    directory.mkdir(parents=True, exist_ok=True)
    return [
        _write_rows(directory / SLA_FILE, SLA_COLUMNS, report.sla_rows(as_of)),
        _write_rows(directory / SKU_FILE, SKU_COLUMNS, report.sku_rows()),
    ]


def _write_rows(path: Path, columns: tuple[str, ...], rows: Iterable[SlaRow | SkuRow]) -> Path:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        writer.writerows([_cell(v) for v in astuple(row)] for row in rows)
    tmp.replace(path)
    return path


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def write_chart(report: DailyReport, path: Path, *, as_of: datetime | None = None) -> Path:
    """A PNG: acknowledgement SLA and complaints per day above, worst SKUs by defect rate below."""
    figure = Figure(figsize=(11, 8.5), layout="constrained")
    FigureCanvasAgg(figure)
    sla_axes, sku_axes = figure.subplots(2, 1, height_ratios=[3, 2])
    _draw_sla(sla_axes, _every_day(report.daily_totals(as_of)))
    _draw_defects(sku_axes, report.sku_rows())
    figure.suptitle("Complaint handling: daily SLA and product defects", fontweight="bold")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    figure.savefig(tmp, format="png", dpi=100)
    tmp.replace(path)
    return path


def _every_day(totals: list[SlaRow]) -> list[SlaRow]:
    """The daily totals with the quiet days between them filled in, for an even time axis."""
    if not totals:
        return []
    by_day = {row.day: row for row in totals}
    first, last = totals[0].day, totals[-1].day
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return [by_day.get(day) or _row(day, "all", None, 0) for day in days]


def _draw_sla(axes: Axes, days: list[SlaRow]) -> None:
    axes.set_title("Acknowledgement SLA compliance and complaints filed, per day (UTC)")
    if not days:
        _no_data(axes, "No complaint events read yet")
        return
    positions = list(range(len(days)))
    rated = [(x, d) for x, d in enumerate(days) if d.ack_compliance is not None]
    bars = axes.bar(
        [x for x, _ in rated],
        [(d.ack_compliance or 0) * 100 for _, d in rated],
        width=0.6,
        color=_SLA_COLOUR,
    )
    # "in time / due" on each bar, so that a 0 % day is told apart from a day with none due
    axes.bar_label(
        bars,
        [f"{d.ack_in_time}/{d.ack_in_time + d.ack_late + d.ack_overdue}" for _, d in rated],
        fontsize="x-small",
    )
    axes.set_ylim(0, 125)
    axes.set_yticks(range(0, 101, 20))
    axes.set_ylabel("acknowledged in time (%)")
    step = max(1, len(days) // 20)  # at most about 20 date labels
    axes.set_xticks(
        positions[::step], [d.day.isoformat() for d in days][::step], rotation=45, ha="right"
    )
    axes.set_xlim(-0.6, len(days) - 0.4)
    counts = axes.twinx()
    counts.plot(positions, [d.complaints_filed for d in days], color=_FILED_COLOUR, marker="o")
    counts.set_ylabel("complaints filed")
    counts.set_ylim(0, max(d.complaints_filed for d in days) * 1.25 + 1)
    counts.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(
        handles=[
            Patch(color=_SLA_COLOUR, label="acknowledged within the promised time (%)"),
            Line2D([], [], color=_FILED_COLOUR, marker="o", label="complaints filed"),
        ],
        loc="upper left",
        fontsize="small",
        ncols=2,
    )


def _draw_defects(axes: Axes, skus: list[SkuRow]) -> None:
    axes.set_title(f"Top {_TOP_SKUS} SKUs by defect rate (defects confirmed / spot checks)")
    checked = [s for s in skus if s.defect_rate is not None]
    if not checked:
        _no_data(axes, "No spot-check results yet")
        return
    worst = sorted(checked, key=lambda s: (-(s.defect_rate or 0), -s.defects_confirmed, s.sku))
    worst = worst[:_TOP_SKUS][::-1]  # barh draws bottom-up: the worst on top
    bars = axes.barh(
        [f"{s.sku} ({s.defects_confirmed}/{s.spot_checks})" for s in worst],
        [(s.defect_rate or 0) * 100 for s in worst],
        color=_DEFECT_COLOUR,
    )
    axes.bar_label(bars, [f"{(s.defect_rate or 0):.0%}" for s in worst], fontsize="small")
    axes.set_xlim(0, 110)
    axes.set_xticks(range(0, 101, 20))
    axes.set_xlabel("defect rate (%)")


def _no_data(axes: Axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes)
    axes.set_xticks([])
    axes.set_yticks([])
