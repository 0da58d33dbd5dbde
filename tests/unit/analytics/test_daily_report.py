"""The daily SLA and defect report, folded from envelopes of real domain events."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from complaint_events.analytics.daily_report import (
    SKU_COLUMNS,
    SLA_COLUMNS,
    DailyReport,
    SkuRow,
    SlaRow,
    write_chart,
    write_csv,
)
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import EvidenceRef
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import (
    Channel,
    EvidenceKind,
    ResolutionCode,
)
from complaint_support import kettle_complaint

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY0 = T0.date()
POLICY = DeadlinePolicy()  # acknowledgement 24 h, merchant evidence 48 h
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
HANDLER = "handler:h-1"
KEEPER = "system:deadline-keeper"


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def by(actor: str, hours: float) -> Acting:
    return Acting(actor, at(hours))


class Timeline:
    """Cases acted on in memory; every event they record, as the relay would publish it."""

    def __init__(self) -> None:
        self.envelopes: list[EventEnvelope] = []

    def file(
        self,
        n: int,
        *,
        channel: Channel = Channel.WEB,
        sku: str = "sku-kettle",
        photo: bool = True,
        hours: float = 0,
    ) -> ComplaintCase:
        details = kettle_complaint(
            n,
            channel=channel,
            channel_ref=f"{channel.value}-{n}",
            received_at=at(hours),
            sku=sku,
            description="the kettle leaks from the base",
            evidence=(EvidenceRef(EvidenceKind.PHOTO, "s3://e/leak.jpg"),) if photo else (),
        )
        case = ComplaintCase.file(details, by("adapter:web", hours), POLICY)
        self.collect(case)
        return case

    def act(self, case: ComplaintCase, command: Callable[[ComplaintCase], object]) -> None:
        command(case)
        self.collect(case)

    def collect(self, case: ComplaintCase) -> None:
        self.envelopes.extend(to_envelope(e) for e in case.collect_events())

    def report(self) -> DailyReport:
        report = DailyReport()
        for envelope in self.envelopes:
            report.apply(envelope)
        return report


def acknowledge(hours: float) -> Callable[[ComplaintCase], object]:
    return lambda c: c.acknowledge(
        notification_id="n-1", language="zh", soothing=False, by=by("system:ack", hours)
    )


def only_row(rows: list[SlaRow], day: date = DAY0, channel: str = "web") -> SlaRow:
    [row] = [r for r in rows if r.day == day and r.channel == channel]
    return row


# ------------------------------------------------------------ acknowledgement


def test_an_acknowledgement_exactly_at_the_deadline_is_in_time_a_second_later_is_late() -> None:
    timeline = Timeline()
    on_time, late = timeline.file(1), timeline.file(2)
    timeline.act(on_time, acknowledge(24))
    timeline.act(late, acknowledge(24 + 1 / 3600))

    filed, row = timeline.report().sla_rows()

    assert (filed.day, filed.complaints_filed, filed.ack_in_time) == (DAY0, 2, 0)
    assert row.day == DAY0 + timedelta(days=1)  # dated by the acknowledgement
    assert (row.ack_in_time, row.ack_late, row.ack_overdue) == (1, 1, 0)
    assert row.ack_compliance == 0.5
    assert row.ack_mean_hours == pytest.approx(24 + 0.5 / 3600)
    assert row.ack_p90_hours == pytest.approx(24 + 1 / 3600)


def test_an_unacknowledged_case_is_overdue_only_after_its_due_time() -> None:
    timeline = Timeline()
    timeline.file(1, channel=Channel.HOTLINE)
    report = timeline.report()

    assert only_row(report.sla_rows(as_of=at(24)), channel="hotline").ack_overdue == 0
    overdue = only_row(report.sla_rows(as_of=at(25)), DAY0 + timedelta(days=1), "hotline")
    assert (overdue.ack_overdue, overdue.ack_compliance) == (1, 0.0)


def test_ack_times_are_split_by_channel_and_p90_is_an_observed_value() -> None:
    timeline = Timeline()
    for n in range(10):
        timeline.act(timeline.file(n, channel=Channel.APP), acknowledge(n + 1))
    timeline.act(timeline.file(99, channel=Channel.CHAT), acknowledge(2))

    rows = timeline.report().sla_rows()

    app = only_row(rows, channel="app")
    assert app.complaints_filed == 10
    assert app.ack_mean_hours == pytest.approx(5.5)
    assert app.ack_p90_hours == 9.0
    assert only_row(rows, channel="chat").ack_in_time == 1


def test_a_spot_check_pauses_the_acknowledgement_clock() -> None:
    timeline = Timeline()
    case = timeline.file(1)
    timeline.act(
        case,
        lambda c: c.order_spot_check(
            method="third_party_appraisal",
            scope="unit",
            lab="lab-1",
            cost_rule="loser pays",
            by=by(HANDLER, 1),
            policy=POLICY,
        ),
    )
    report = timeline.report()
    assert all(r.ack_overdue == 0 for r in report.sla_rows(as_of=at(100)))  # paused

    timeline.act(case, acknowledge(30))  # sent while paused: in time
    assert only_row(timeline.report().sla_rows(), DAY0 + timedelta(days=1)).ack_in_time == 1


# ------------------------------------------------------------- merchant evidence


def request_evidence(hours: float) -> Callable[[ComplaintCase], object]:
    return lambda c: c.request_merchant_evidence({"summary": "leaks"}, by(HANDLER, hours), POLICY)


def submit_evidence(hours: float) -> Callable[[ComplaintCase], object]:
    return lambda c: c.submit_merchant_evidence(
        [{"kind": "explanation", "uri": "s3://m/why.pdf"}], "tested ok", by("merchant:m-1", hours)
    )


def test_merchant_evidence_answered_in_time_and_a_silent_merchant_judged_by_default() -> None:
    timeline = Timeline()
    answered, silent = timeline.file(1), timeline.file(2)
    for case in (answered, silent):
        timeline.act(case, acknowledge(1))
        timeline.act(case, request_evidence(2))  # due at 50 h
    timeline.act(answered, submit_evidence(50))
    timeline.act(silent, lambda c: c.expire_deadline("merchant_evidence@3", by(KEEPER, 50), POLICY))

    rows = timeline.report().sla_rows()

    assert only_row(rows).evidence_requested == 2
    day2 = only_row(rows, DAY0 + timedelta(days=2))
    assert (day2.evidence_answered_in_time, day2.evidence_answered_late) == (1, 0)
    assert (day2.evidence_deadline_expired, day2.default_judgments) == (1, 1)


def test_evidence_submitted_after_the_due_time_but_before_expiry_is_late() -> None:
    timeline = Timeline()
    case = timeline.file(1, photo=False)
    timeline.act(case, request_evidence(0))
    timeline.act(case, submit_evidence(48.5))
    row = only_row(timeline.report().sla_rows(), DAY0 + timedelta(days=2))
    assert (row.evidence_answered_in_time, row.evidence_answered_late) == (0, 1)


# ---------------------------------------------------------- closure, redelivery


def test_closed_cases_and_mean_time_to_close() -> None:
    timeline = Timeline()
    for n, hours in ((1, 30), (2, 38)):
        case = timeline.file(n)
        timeline.act(case, acknowledge(1))
        timeline.act(
            case, lambda c, h=hours: c.close(ResolutionCode.WITHDRAWN, "", by(HANDLER, h), POLICY)
        )
    row = only_row(timeline.report().sla_rows(), DAY0 + timedelta(days=1))
    assert (row.cases_closed, row.close_mean_hours) == (2, 34.0)


def test_closing_an_unacknowledged_case_keeps_an_overdue_breach_only() -> None:
    timeline = Timeline()
    early, overdue = timeline.file(1), timeline.file(2)
    timeline.act(early, lambda c: c.close(ResolutionCode.WITHDRAWN, "", by(HANDLER, 2), POLICY))
    timeline.act(overdue, lambda c: c.close(ResolutionCode.WITHDRAWN, "", by(HANDLER, 30), POLICY))
    rows = timeline.report().sla_rows(as_of=at(1000))
    assert sum(r.ack_overdue for r in rows) == 1


def test_redelivered_events_change_nothing() -> None:
    timeline = Timeline()
    case = timeline.file(1)
    timeline.act(case, acknowledge(3))
    timeline.act(case, lambda c: c.close(ResolutionCode.WITHDRAWN, "", by(HANDLER, 5), POLICY))
    once = timeline.report()
    twice = timeline.report()
    for envelope in [*timeline.envelopes, *reversed(timeline.envelopes)]:
        assert twice.apply(envelope) is False

    assert twice.sla_rows() == once.sla_rows()
    assert twice.sku_rows() == once.sku_rows()
    assert (twice.events_applied, twice.duplicates) == (3, 6)


def test_the_saved_state_restores_the_same_report() -> None:
    timeline = Timeline()
    case = timeline.file(1)
    timeline.act(case, request_evidence(1))
    report = timeline.report()
    restored = DailyReport.from_state(json.loads(json.dumps(report.to_state())))

    assert restored.sla_rows(as_of=at(99)) == report.sla_rows(as_of=at(99))
    assert restored.apply(timeline.envelopes[0]) is False
    timeline.act(case, submit_evidence(3))
    restored.apply(timeline.envelopes[-1])
    assert sum(r.evidence_answered_in_time for r in restored.sla_rows()) == 1


# ---------------------------------------------------------------- defects


def record_result(outcome: str, hours: float) -> Callable[[ComplaintCase], object]:
    return lambda c: c.record_spot_check_result(
        outcome=outcome,
        report_ref="lab-report-1",
        findings="seal fails",
        cost_payer="merchant",
        by=by(HANDLER, hours),
    )


def order_check(hours: float) -> Callable[[ComplaintCase], object]:
    return lambda c: c.order_spot_check(
        method="third_party_appraisal",
        scope="unit",
        lab="lab-1",
        cost_rule="the party at fault pays",
        by=by(HANDLER, hours),
        policy=POLICY,
    )


def test_defect_rate_per_sku_counts_a_batch_check_once() -> None:
    timeline = Timeline()
    defect, fine = timeline.file(1), timeline.file(2)
    timeline.act(defect, order_check(1))
    timeline.act(defect, record_result("defect_confirmed", 20))
    timeline.act(fine, order_check(1))
    timeline.act(fine, record_result("no_defect", 20))
    batch = [timeline.file(n, sku="sku-toaster") for n in (10, 11, 12)]
    for case in batch:  # the alert orders one check; each linked case records its result
        timeline.act(
            case,
            lambda c: c.link_batch_alert(
                alert_id="alert-1", sku="sku-toaster", by=by("system:batch", 2), policy=POLICY
            ),
        )
        timeline.act(case, record_result("defect_confirmed", 30))
    timeline.file(20, sku="sku-cup")

    rows = {r.sku: r for r in timeline.report().sku_rows()}

    assert rows["sku-kettle"] == SkuRow("sku-kettle", 2, 2, 1, 0.5, 0)
    assert rows["sku-toaster"] == SkuRow("sku-toaster", 3, 1, 1, 1.0, 1)
    assert rows["sku-cup"] == SkuRow("sku-cup", 1, 0, 0, None, 0)


# ----------------------------------------------------------------- writers


def test_csv_files_have_a_stable_header_and_one_line_per_row(tmp_path: Path) -> None:
    timeline = Timeline()
    timeline.act(timeline.file(1), acknowledge(2))
    timeline.file(2, channel=Channel.APP)

    sla, skus = write_csv(timeline.report(), tmp_path, as_of=at(12))

    assert (sla.name, skus.name) == ("sla_daily.csv", "defects_by_sku.csv")
    with sla.open(newline="") as f:
        lines = list(csv.reader(f))
    assert lines[0] == [
        "day",
        "channel",
        "complaints_filed",
        "ack_in_time",
        "ack_late",
        "ack_overdue",
        "ack_compliance",
        "ack_mean_hours",
        "ack_p90_hours",
        "evidence_requested",
        "evidence_answered_in_time",
        "evidence_answered_late",
        "evidence_deadline_expired",
        "default_judgments",
        "cases_closed",
        "close_mean_hours",
    ]
    assert tuple(lines[0]) == SLA_COLUMNS
    assert lines[1:] == [
        ["2026-03-02", "app", "1", "0", "0", "0", "", "", "", "0", "0", "0", "0", "0", "0", ""],
        [
            "2026-03-02",
            *["web", "1", "1", "0", "0", "1.0000", "2.0000", "2.0000"],
            *["0", "0", "0", "0", "0", "0", ""],
        ],
    ]
    with skus.open(newline="") as f:
        assert list(csv.reader(f)) == [list(SKU_COLUMNS), ["sku-kettle", "2", "0", "0", "", "0"]]
    assert SKU_COLUMNS == (
        "sku",
        "complaints",
        "spot_checks",
        "defects_confirmed",
        "defect_rate",
        "batch_alerts",
    )


def test_csv_files_of_an_empty_report_hold_the_header_only(tmp_path: Path) -> None:
    sla, skus = write_csv(DailyReport(), tmp_path / "new-dir")
    assert sla.read_text().splitlines() == [",".join(SLA_COLUMNS)]
    assert skus.read_text().splitlines() == [",".join(SKU_COLUMNS)]


@pytest.mark.parametrize("days", [0, 1, 9])
def test_the_chart_is_a_png_with_no_one_or_many_days(tmp_path: Path, days: int) -> None:
    timeline = Timeline()
    for n in range(days):
        case = timeline.file(n, hours=24 * n, sku=f"sku-{n % 4}")
        timeline.act(case, acknowledge(24 * n + 1 + n * 5))
        timeline.act(case, order_check(24 * n + 2))
        timeline.act(case, record_result("defect_confirmed" if n % 2 else "no_defect", 24 * n + 3))

    path = write_chart(timeline.report(), tmp_path / "charts" / "daily_report.png")

    assert path.read_bytes()[:8] == PNG_MAGIC
    assert path.stat().st_size > 10_000
    assert not list(path.parent.glob(".*.tmp"))
