"""One SKU's batch-quality record: its alerts, the cases linked to each, the spot-check result.

docs/lifecycle.md, "Batch-quality alerts": repeated complaints on one SKU within a window raise a
batch-quality alert that orders one spot check for the SKU and links the cases.
The batch detector decides (:mod:`complaint_events.processing.batch_window`);
this aggregate records what it decided, once, however often the decision is
replayed, and is where every linked case finds the batch's result.

The aggregate is opened together with its first alert (``SkuQualityRecordOpened``
then ``BatchQualityAlertRaised`` in one save), so that every alert, first or
later, is the same event for its consumers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from complaint_events.domain.acting import Acting, Meta, stamp
from complaint_events.domain.errors import InvalidCommandError
from complaint_events.domain.text import is_blank
from complaint_events.domain.values import SpotCheckMethod, SpotCheckOutcome

_SKU_QUALITY_NS: Final = uuid5(NAMESPACE_URL, "urn:complaint-events:sku-quality")
_BATCH_SCOPE_PREFIX: Final = "batch:"

BATCH_SPOT_CHECK_METHOD: Final = SpotCheckMethod.SAME_MODEL_SAMPLING
"""A batch problem is tested on other units of the same model, not the consumer's one."""

Record = dict[str, Any]


def batch_scope(alert_id: str) -> str:
    """The scope of the spot check an alert orders: ``batch:<alert id>``."""
    return f"{_BATCH_SCOPE_PREFIX}{alert_id}"


def alert_id_of_scope(scope: str | None) -> str | None:
    """The alert a spot check's scope names, or None for a check of one case's unit."""
    if scope is None or not scope.startswith(_BATCH_SCOPE_PREFIX):
        return None
    return scope.removeprefix(_BATCH_SCOPE_PREFIX) or None


@dataclass(frozen=True, slots=True)
class BatchSpotCheckResult:
    """What the batch's spot check found, and which linked case reported it first."""

    outcome: SpotCheckOutcome
    report_ref: str
    case_id: UUID
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class BatchAlert:
    """One batch-quality alert as it stands: the cases linked to it and its result, if any."""

    alert_id: str
    sku: str
    case_ids: tuple[UUID, ...]
    threshold: int
    window_days: float
    raised_at: datetime
    spot_check_method: SpotCheckMethod
    spot_check_scope: str
    spot_check_due_at: datetime | None  # None: an alert raised before the SKU kept the clock
    result: BatchSpotCheckResult | None


class SkuQuality(Aggregate):
    """The batch-quality alerts of one SKU."""

    @staticmethod
    def create_id(sku: str) -> UUID:
        """One record per SKU, so two detectors writing the same SKU collide on it."""
        return uuid5(_SKU_QUALITY_NS, sku)

    @classmethod
    def raise_first_alert(
        cls,
        *,
        sku: str,
        alert_id: str,
        case_ids: list[UUID],
        threshold: int,
        window: timedelta,
        raised_at: datetime,
        by: Acting,
        spot_check_due_at: datetime | None = None,
    ) -> SkuQuality:
        """Open the SKU's record with its first alert."""
        if is_blank(sku):
            raise InvalidCommandError("a batch alert needs the SKU it is about")
        record = cls(sku=sku, **stamp(by))
        record.raise_alert(
            alert_id=alert_id,
            case_ids=case_ids,
            threshold=threshold,
            window=window,
            raised_at=raised_at,
            by=by,
            spot_check_due_at=spot_check_due_at,
        )
        return record

    @event("SkuQualityRecordOpened")
    def __init__(self, *, sku: str, timestamp: datetime, meta: Meta) -> None:
        self.sku = sku
        self._alerts: dict[str, Record] = {}

    # ----------------------------------------------------------------- queries

    def alert(self, alert_id: str) -> BatchAlert:
        """The alert as it stands; InvalidCommandError for an alert this SKU never raised."""
        found = self._alerts.get(alert_id)
        if found is None:
            raise InvalidCommandError(f"SKU {self.sku} has no batch alert {alert_id}")
        result = found["result"]
        return BatchAlert(
            alert_id=alert_id,
            sku=self.sku,
            case_ids=tuple(found["case_ids"]),
            threshold=found["threshold"],
            window_days=found["window_days"],
            raised_at=found["raised_at"],
            spot_check_method=SpotCheckMethod(found["spot_check"]["method"]),
            spot_check_scope=found["spot_check"]["scope"],
            spot_check_due_at=found["spot_check"].get("due_at"),
            result=None
            if result is None
            else BatchSpotCheckResult(
                outcome=SpotCheckOutcome(result["outcome"]),
                report_ref=result["report_ref"],
                case_id=result["case_id"],
                recorded_at=result["recorded_at"],
            ),
        )

    @property
    def alerts(self) -> list[BatchAlert]:
        """Every alert of the SKU, in the order raised."""
        return [self.alert(alert_id) for alert_id in self._alerts]

    def knows(self, alert_id: str) -> bool:
        return alert_id in self._alerts

    # ---------------------------------------------------------------- commands

    def raise_alert(
        self,
        *,
        alert_id: str,
        case_ids: list[UUID],
        threshold: int,
        window: timedelta,
        raised_at: datetime,
        by: Acting,
        spot_check_due_at: datetime | None = None,
    ) -> None:
        """Record an alert and the one spot check it orders, with the one clock of that check
        (``spot_check_due_at``) that every linked case waits on; a known alert id changes
        nothing."""
        if alert_id in self._alerts:
            return
        if is_blank(alert_id):
            raise InvalidCommandError("a batch alert needs an id")
        if not case_ids:
            raise InvalidCommandError("a batch alert links at least one case")
        if threshold < 1 or window <= timedelta(0):
            raise InvalidCommandError("a batch alert needs a positive threshold and window")
        self._alert_raised(
            alert_id=alert_id,
            sku=self.sku,
            case_ids=list(dict.fromkeys(case_ids)),
            threshold=threshold,
            window_days=window / timedelta(days=1),
            raised_at=raised_at,
            spot_check={
                "method": BATCH_SPOT_CHECK_METHOD.value,
                "scope": batch_scope(alert_id),
                **({} if spot_check_due_at is None else {"due_at": spot_check_due_at}),
            },
            **stamp(by),
        )

    @event("BatchQualityAlertRaised")
    def _alert_raised(
        self,
        alert_id: str,
        sku: str,
        case_ids: list[UUID],
        threshold: int,
        window_days: float,
        raised_at: datetime,
        spot_check: Record,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self._alerts[alert_id] = {
            "case_ids": list(case_ids),
            "threshold": threshold,
            "window_days": window_days,
            "raised_at": raised_at,
            "spot_check": dict(spot_check),
            "result": None,
        }

    def link_case(self, alert_id: str, case_id: UUID, by: Acting) -> None:
        """Link one more case to an alert; a case already linked changes nothing."""
        if case_id in self.alert(alert_id).case_ids:
            return
        self._case_linked(alert_id=alert_id, case_id=case_id, **stamp(by))

    @event("BatchCaseLinked")
    def _case_linked(self, alert_id: str, case_id: UUID, timestamp: datetime, meta: Meta) -> None:
        self._alerts[alert_id]["case_ids"].append(case_id)

    def record_spot_check_result(
        self, alert_id: str, *, outcome: str, report_ref: str, case_id: UUID, by: Acting
    ) -> None:
        """The batch's spot-check result, as the first linked case reported it.

        Recorded once per alert: a repeat, or the same result forwarded through
        another linked case, changes nothing.
        """
        alert = self.alert(alert_id)
        if alert.result is not None:
            return
        if outcome not in {o.value for o in SpotCheckOutcome}:
            raise InvalidCommandError(f"unknown spot-check outcome {outcome!r}")
        if case_id not in alert.case_ids:
            raise InvalidCommandError(
                f"case {case_id} is not linked to batch alert {alert_id}; "
                "only a linked case's spot check answers for the batch"
            )
        self._result_recorded(
            alert_id=alert_id,
            outcome=outcome,
            report_ref=report_ref,
            case_id=case_id,
            **stamp(by),
        )

    @event("BatchSpotCheckResultRecorded")
    def _result_recorded(
        self,
        alert_id: str,
        outcome: str,
        report_ref: str,
        case_id: UUID,
        timestamp: datetime,
        meta: Meta,
    ) -> None:
        self._alerts[alert_id]["result"] = {
            "outcome": outcome,
            "report_ref": report_ref,
            "case_id": case_id,
            "recorded_at": timestamp,
        }
