"""Batch-quality detection: when complaints on one SKU amount to a batch problem.

See docs/lifecycle.md, "Batch-quality alerts". The batch detector reads
``ComplaintFiled`` repartitioned by SKU and keeps one :class:`SkuWindow` per
SKU in PostgreSQL (:mod:`complaint_events.adapters.sku_windows`; no faust
table). :func:`record` is all it decides:
``policy.threshold`` complaints filed within ``policy.window`` of one another
raise a batch-quality alert; further complaints while the alert is open are
linked to it. Everything is counted by filing time, never by the time a
message happens to be processed, so a replay decides the same again.

How the window behaves:

* A case already recorded (counted or linked) changes nothing: Kafka redelivers.
* An alert is open for complaints filed from one window before it was raised
  until one window after (``raised_at - window < filed_at < raised_at + window``);
  those are linked to it. Complaints filed after that count afresh towards a
  new alert, so a batch that keeps failing raises one alert per window.
* A complaint filed within one window of the newest one counts even when it
  arrives late. One filed earlier than that is too late to count: by then the
  complaints it might have made a batch with are no longer kept.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

_ALERT_NS: Final = uuid5(NAMESPACE_URL, "urn:complaint-events:batch-alert")


def batch_alert_id(sku: str, first_case_id: UUID) -> str:
    """An alert's id: the SKU and its first complaint, so a replay computes the same id."""
    return str(uuid5(_ALERT_NS, f"{sku}\n{first_case_id}"))


@dataclass(frozen=True, slots=True)
class BatchPolicy:
    """How many complaints on one SKU, filed within how long, make a batch problem."""

    threshold: int = 5
    window: timedelta = timedelta(days=7)

    def __post_init__(self) -> None:
        if self.threshold < 1:
            raise ValueError("a batch needs a threshold of at least one complaint")
        if self.window <= timedelta(0):
            raise ValueError("the batch window must be a positive duration")


@dataclass(frozen=True, slots=True, order=True)
class FiledComplaint:
    """One complaint counted towards a batch (ordered by filing time, then case id)."""

    filed_at: datetime
    case_id: UUID


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """The SKU's latest alert and every case linked to it.

    ``not_before`` is when the alert before it closed: complaints filed earlier
    belonged to that batch and are never linked to this one.
    """

    alert_id: str
    raised_at: datetime
    case_ids: tuple[UUID, ...]
    not_before: datetime | None = None

    def closes_at(self, window: timedelta) -> datetime:
        """Complaints filed from then on count towards a new alert."""
        return self.raised_at + window

    def covers(self, filed_at: datetime, window: timedelta) -> bool:
        """Whether a complaint filed at ``filed_at`` belongs to this alert's batch."""
        if self.not_before is not None and filed_at < self.not_before:
            return False
        return self.raised_at - window < filed_at < self.closes_at(window)


@dataclass(frozen=True, slots=True)
class SkuWindow:
    """What the detector remembers about one SKU: recent complaints and the latest alert."""

    complaints: tuple[FiledComplaint, ...] = ()
    alert: OpenAlert | None = None
    newest: datetime | None = None

    def knows(self, case_id: UUID) -> bool:
        """Whether the case was already counted or linked."""
        return any(c.case_id == case_id for c in self.complaints) or (
            self.alert is not None and case_id in self.alert.case_ids
        )

    def to_value(self) -> dict[str, Any]:
        """The state as JSON-able values, for a faust table."""
        return {
            "complaints": [
                {"case_id": str(c.case_id), "filed_at": c.filed_at.isoformat()}
                for c in self.complaints
            ],
            "alert": None
            if self.alert is None
            else {
                "alert_id": self.alert.alert_id,
                "raised_at": self.alert.raised_at.isoformat(),
                "case_ids": [str(i) for i in self.alert.case_ids],
                "not_before": _iso(self.alert.not_before),
            },
            "newest": _iso(self.newest),
        }

    @classmethod
    def from_value(cls, value: dict[str, Any]) -> SkuWindow:
        """The state read back from :meth:`to_value`'s form."""
        alert = value.get("alert")
        return cls(
            complaints=tuple(
                FiledComplaint(_aware(c["filed_at"]), UUID(c["case_id"]))
                for c in value.get("complaints", [])
            ),
            alert=None
            if alert is None
            else OpenAlert(
                alert_id=alert["alert_id"],
                raised_at=_aware(alert["raised_at"]),
                case_ids=tuple(UUID(i) for i in alert["case_ids"]),
                not_before=_parse(alert.get("not_before")),
            ),
            newest=_parse(value.get("newest")),
        )


@dataclass(frozen=True, slots=True)
class NoBatchAction:
    """Nothing to do: below the threshold, a repeat, or too late to count."""


@dataclass(frozen=True, slots=True)
class RaiseBatchAlert:
    """Raise a batch-quality alert on the SKU, linking these cases (in filing order)."""

    alert_id: str
    sku: str
    case_ids: tuple[UUID, ...]
    raised_at: datetime
    threshold: int
    window: timedelta


@dataclass(frozen=True, slots=True)
class LinkToBatchAlert:
    """Link one more case to the SKU's open alert."""

    alert_id: str
    sku: str
    case_id: UUID


BatchDecision = NoBatchAction | RaiseBatchAlert | LinkToBatchAlert
"""What :func:`record` decided about one complaint."""

NOTHING: Final = NoBatchAction()


def record(
    window_state: SkuWindow,
    case_id: UUID,
    filed_at: datetime,
    sku: str,
    policy: BatchPolicy,
) -> tuple[SkuWindow, BatchDecision]:
    """Count one complaint on ``sku``; the new state and what to do about it."""
    if filed_at.tzinfo is None:
        raise ValueError("filed_at must be timezone-aware")
    if window_state.knows(case_id):
        return window_state, NOTHING
    window = policy.window
    newest = filed_at if window_state.newest is None else max(window_state.newest, filed_at)
    alert = window_state.alert

    if alert is not None and filed_at < alert.closes_at(window):
        if not alert.covers(filed_at, window):
            return window_state, NOTHING  # an earlier batch's, or long before the alert
        linked = replace(alert, case_ids=(*alert.case_ids, case_id))
        return (
            replace(window_state, alert=linked, newest=newest),
            LinkToBatchAlert(alert.alert_id, sku, case_id),
        )

    if filed_at <= newest - window:
        return window_state, NOTHING  # too late: its window-mates are forgotten
    recent = tuple(
        sorted(
            c
            for c in (*window_state.complaints, FiledComplaint(filed_at, case_id))
            if c.filed_at > newest - window
        )
    )
    if len(recent) < policy.threshold:
        return SkuWindow(recent, alert, newest), NOTHING

    # Every kept complaint is within one window of the newest, so they form one batch.
    raised = OpenAlert(
        alert_id=batch_alert_id(sku, recent[0].case_id),
        raised_at=recent[-1].filed_at,
        case_ids=tuple(c.case_id for c in recent),
        not_before=None if alert is None else alert.closes_at(window),
    )
    decision = RaiseBatchAlert(
        alert_id=raised.alert_id,
        sku=sku,
        case_ids=raised.case_ids,
        raised_at=raised.raised_at,
        threshold=policy.threshold,
        window=window,
    )
    return SkuWindow((), raised, newest), decision


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _parse(text: str | None) -> datetime | None:
    return None if text is None else _aware(text)


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"stored time {text!r} has no timezone")
    return moment
