"""A SKU's batch-quality record: alerts, linked cases and the result, each recorded once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from complaint_events.application import sku_alerts
from complaint_events.application.cases import ComplaintCases
from complaint_events.contracts.events import BatchQualityAlertRaisedV1
from complaint_events.contracts.translator import from_json_bytes, to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.errors import InvalidCommandError
from complaint_events.domain.sku_quality import (
    BatchAlert,
    SkuQuality,
    alert_id_of_scope,
    batch_scope,
)
from complaint_events.domain.values import SpotCheckMethod, SpotCheckOutcome
from complaint_events.processing.batch_window import RaiseBatchAlert

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
SKU = "sku-kettle-1"
WEEK = timedelta(days=7)
DETECTOR = "system:batch-detector"


def at(hours: float) -> Acting:
    return Acting(DETECTOR, T0 + timedelta(hours=hours), correlation_id="corr-1")


def case(n: int) -> UUID:
    return UUID(int=n)


def first_alert(alert_id: str = "alert-1", cases: tuple[int, ...] = (1, 2, 3)) -> SkuQuality:
    return SkuQuality.raise_first_alert(
        sku=SKU,
        alert_id=alert_id,
        case_ids=[case(n) for n in cases],
        threshold=3,
        window=WEEK,
        raised_at=T0,
        by=at(1),
    )


def event_names(record: SkuQuality) -> list[str]:
    return [type(e).__name__ for e in record.collect_events()]


def test_the_record_opens_with_its_first_alert_and_the_spot_check_it_orders() -> None:
    record = first_alert()

    assert record.id == SkuQuality.create_id(SKU)
    assert event_names(record) == ["SkuQualityRecordOpened", "BatchQualityAlertRaised"]
    alert = record.alert("alert-1")
    assert alert.case_ids == (case(1), case(2), case(3))
    assert (alert.threshold, alert.window_days, alert.raised_at) == (3, 7.0, T0)
    assert alert.spot_check_method is SpotCheckMethod.SAME_MODEL_SAMPLING
    assert alert.spot_check_scope == "batch:alert-1"
    assert alert.result is None
    assert [a.alert_id for a in record.alerts] == ["alert-1"]


def test_the_sku_record_id_is_fixed_by_the_sku_and_apart_from_case_ids() -> None:
    assert SkuQuality.create_id(SKU) == SkuQuality.create_id(SKU)
    assert SkuQuality.create_id(SKU) != SkuQuality.create_id("sku-other")


def test_raising_a_known_alert_again_changes_nothing() -> None:
    record = first_alert()
    record.collect_events()

    record.raise_alert(
        alert_id="alert-1", case_ids=[case(9)], threshold=3, window=WEEK, raised_at=T0, by=at(2)
    )

    assert event_names(record) == []
    assert record.alert("alert-1").case_ids == (case(1), case(2), case(3))


def test_a_later_alert_is_the_same_event() -> None:
    record = first_alert()
    record.collect_events()

    record.raise_alert(
        alert_id="alert-2",
        case_ids=[case(7), case(8), case(9)],
        threshold=3,
        window=WEEK,
        raised_at=T0 + 2 * WEEK,
        by=at(400),
    )

    assert event_names(record) == ["BatchQualityAlertRaised"]
    assert [a.alert_id for a in record.alerts] == ["alert-1", "alert-2"]


def test_linking_a_case_once() -> None:
    record = first_alert()
    record.collect_events()

    record.link_case("alert-1", case(4), at(2))
    record.link_case("alert-1", case(4), at(3))
    record.link_case("alert-1", case(1), at(3))  # raised it: already linked

    assert event_names(record) == ["BatchCaseLinked"]
    assert record.alert("alert-1").case_ids == (case(1), case(2), case(3), case(4))


def test_the_result_is_recorded_once_per_alert() -> None:
    record = first_alert()
    record.collect_events()

    record.record_spot_check_result(
        "alert-1", outcome="defect_confirmed", report_ref="lab-7", case_id=case(2), by=at(50)
    )
    record.record_spot_check_result(  # forwarded back through another linked case
        "alert-1", outcome="defect_confirmed", report_ref="lab-7", case_id=case(3), by=at(51)
    )

    assert event_names(record) == ["BatchSpotCheckResultRecorded"]
    result = record.alert("alert-1").result
    assert result is not None
    assert (result.outcome, result.report_ref, result.case_id) == (
        SpotCheckOutcome.DEFECT_CONFIRMED,
        "lab-7",
        case(2),
    )
    assert result.recorded_at == T0 + timedelta(hours=50)


def test_unknown_alerts_and_bad_commands_are_refused() -> None:
    record = first_alert()

    with pytest.raises(InvalidCommandError, match="no batch alert alert-9"):
        record.link_case("alert-9", case(4), at(2))
    with pytest.raises(InvalidCommandError, match="no batch alert"):
        record.alert("alert-9")
    with pytest.raises(InvalidCommandError, match="no batch alert"):
        record.record_spot_check_result(
            "alert-9", outcome="no_defect", report_ref="r", case_id=case(1), by=at(2)
        )
    with pytest.raises(InvalidCommandError, match="not linked"):
        record.record_spot_check_result(
            "alert-1", outcome="no_defect", report_ref="r", case_id=case(9), by=at(2)
        )
    with pytest.raises(InvalidCommandError, match="outcome"):
        record.record_spot_check_result(
            "alert-1", outcome="melted", report_ref="r", case_id=case(1), by=at(2)
        )
    with pytest.raises(InvalidCommandError, match="at least one case"):
        record.raise_alert(
            alert_id="alert-2", case_ids=[], threshold=3, window=WEEK, raised_at=T0, by=at(2)
        )


def test_batch_scopes_name_their_alert() -> None:
    assert batch_scope("a-1") == "batch:a-1"
    assert alert_id_of_scope(batch_scope("a-1")) == "a-1"
    assert alert_id_of_scope("this unit") is None
    assert alert_id_of_scope("batch:") is None
    assert alert_id_of_scope(None) is None


def test_every_sku_event_translates_and_round_trips() -> None:
    record = first_alert()
    record.link_case("alert-1", case(4), at(2))
    record.record_spot_check_result(
        "alert-1", outcome="defect_confirmed", report_ref="lab-7", case_id=case(4), by=at(50)
    )

    for sequence, event in enumerate(record.collect_events(), start=1):
        envelope = to_envelope(event)
        assert (envelope.case_id, envelope.sequence) == (record.id, sequence)
        assert envelope.actor == DETECTOR
        assert from_json_bytes(to_json_bytes(envelope)) == envelope
        if envelope.event_type == "BatchQualityAlertRaised":
            payload = envelope.typed_payload()
            assert isinstance(payload, BatchQualityAlertRaisedV1)
            assert payload.case_ids == [case(1), case(2), case(3)]
            assert payload.spot_check.scope == "batch:alert-1"


# ------------------------------------------------------- in the case store


def raised(alert_id: str = "alert-1", cases: tuple[int, ...] = (1, 2, 3)) -> RaiseBatchAlert:
    return RaiseBatchAlert(
        alert_id=alert_id,
        sku=SKU,
        case_ids=tuple(case(n) for n in cases),
        raised_at=T0,
        threshold=3,
        window=WEEK,
    )


def test_alerts_are_stored_once_however_often_the_detector_replays(app: ComplaintCases) -> None:
    assert sku_alerts.find_sku_quality(app, SKU) is None

    sku_alerts.record_alert(app, raised(), at(1))
    sku_alerts.record_alert(app, raised(), at(2))  # a replay after a crash
    sku_alerts.link_case(app, SKU, "alert-1", case(4), at(3))
    sku_alerts.link_case(app, SKU, "alert-1", case(4), at(4))
    sku_alerts.record_alert(app, raised("alert-2", (7, 8, 9)), at(400))

    stored = list(app.repository.event_store.get(SkuQuality.create_id(SKU)))
    assert [type(e).__name__ for e in stored] == [
        "SkuQualityRecordOpened",
        "BatchQualityAlertRaised",
        "BatchCaseLinked",
        "BatchQualityAlertRaised",
    ]
    assert sku_alerts.linked_cases(app, SKU, "alert-1") == [case(1), case(2), case(3), case(4)]
    assert sku_alerts.linked_cases(app, SKU, "alert-2") == [case(7), case(8), case(9)]
    found = sku_alerts.find_sku_quality(app, SKU)
    assert found is not None
    assert found.alert("alert-1").raised_at == T0  # read back as it was recorded


def test_the_result_is_stored_once_and_names_the_reporting_case(app: ComplaintCases) -> None:
    sku_alerts.record_alert(app, raised(), at(1))

    def report_lab_7(case_no: int, hours: float) -> BatchAlert:
        return sku_alerts.record_alert_result(
            app,
            SKU,
            "alert-1",
            outcome="defect_confirmed",
            report_ref="lab-7",
            case_id=case(case_no),
            by=at(hours),
        )

    first = report_lab_7(2, 50)
    forwarded = report_lab_7(3, 51)

    assert first.result is not None
    assert first.result.case_id == case(2)
    assert forwarded == first
    linked = sku_alerts.link_case(app, SKU, "alert-1", case(5), at(60))
    assert linked.result == first.result  # a late case can be sent the result at once


def test_unknown_skus_and_alerts_are_refused(app: ComplaintCases) -> None:
    with pytest.raises(InvalidCommandError, match="no batch alert"):
        sku_alerts.linked_cases(app, SKU, "alert-1")
    with pytest.raises(InvalidCommandError, match="no batch alert"):
        sku_alerts.link_case(app, SKU, "alert-1", case(4), at(1))
    sku_alerts.record_alert(app, raised(), at(1))
    with pytest.raises(InvalidCommandError, match="no batch alert alert-9"):
        sku_alerts.linked_cases(app, SKU, "alert-9")


def test_a_concurrent_writer_is_retried_not_overwritten(
    app: ComplaintCases, monkeypatch: pytest.MonkeyPatch
) -> None:
    sku_alerts.record_alert(app, raised(), at(1))
    save = app.save
    calls = 0

    def save_after_another_writer(*aggregates: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:  # another detector links a case between our read and our write
            other = sku_alerts.find_sku_quality(app, SKU)
            assert other is not None
            other.link_case("alert-1", case(5), at(2))
            save(other)
        return save(*aggregates)

    monkeypatch.setattr(app, "save", save_after_another_writer)
    sku_alerts.link_case(app, SKU, "alert-1", case(4), at(3))

    assert calls == 2
    assert sku_alerts.linked_cases(app, SKU, "alert-1") == [
        case(1),
        case(2),
        case(3),
        case(5),
        case(4),
    ]
