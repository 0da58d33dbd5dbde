"""The five read models on PostgreSQL: their rows for real case histories, whatever the batching.

Cases are driven through the domain in memory and published with the real
translator; each projection applies them once in one batch (live tables) and
once event by event in another interleaving of the cases (shadow tables, as a
rebuild would name them). Both must hold the rows a person expects, and the
very same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql
from psycopg.rows import dict_row

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import EvidenceRef
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.sku_quality import SkuQuality
from complaint_events.domain.values import (
    Channel,
    DeadlineKind,
    EvidenceKind,
    LiabilityGround,
    Party,
    RemedyKind,
    ResolutionCode,
)
from complaint_events.projections.base import Projection, Tables, create_statements
from complaint_events.projections.case_summary import COLUMNS, SUMMARY, CaseSummary
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.merchant_scorecard import MerchantScorecard
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA, ensure_schema
from complaint_events.projections.sku_quality import SkuQualityProjection
from complaint_events.projections.sla import SlaCompliance
from complaint_events.projections.timeline import CaseTimeline
from complaint_support import T0, kettle_complaint

pytestmark = pytest.mark.integration

DAY = date(2024, 6, 3)
POLICY = DeadlinePolicy()
HOUR = Decimal(3600)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def handler(hours: float) -> Acting:
    return Acting("handler:h-1", at(hours))


def system(hours: float) -> Acting:
    return Acting("system:deadline-keeper", at(hours))


# ------------------------------------------------------------------ the cases

BASE = kettle_complaint(
    channel_ref="web-a",
    consumer_id="c-a",
    order_id="o-a",
    sku="sku-kettle",
    description="leaks from the base",
    evidence=(EvidenceRef(EvidenceKind.PHOTO, "s3://leak.jpg"),),
)


class Case:
    """A case in memory and the envelopes of its events so far."""

    def __init__(self, **overrides: Any) -> None:
        self.case = ComplaintCase.file(
            replace(BASE, **overrides), Acting("adapter:web", T0), POLICY
        )
        self.events = [to_envelope(e) for e in self.case.collect_events()]

    def __call__(self, command: Callable[[ComplaintCase], object]) -> Case:
        command(self.case)
        self.events.extend(to_envelope(e) for e in self.case.collect_events())
        return self

    def clock(self, kind: DeadlineKind) -> str:
        return next(d.deadline_id for d in self.case.deadlines.values() if d.kind is kind)


def resolved_in_time() -> Case:
    """Web, merchant m-1: acknowledged at 1 h, evidence in 10 h, refunded and closed at 40 h."""
    return (
        Case()
        (lambda c: c.acknowledge(notification_id="n", language="zh", soothing=False, by=system(1)))
        (lambda c: c.request_merchant_evidence({"complaint": "leaks"}, handler(2), POLICY))
        (lambda c: c.submit_merchant_evidence(
            [{"kind": "quality_certificate", "uri": "s3://qc"}], "QC passed",
            Acting("merchant:m-1", at(12))))
        (lambda c: c.determine_liability(
            party=Party.MERCHANT, grounds=[LiabilityGround.DEFECT], rule_refs=["CPL-24"],
            reasoning="defect", testing_cost_payer=Party.MERCHANT, by=handler(20)))
        (lambda c: c.offer_remedy(
            kind=RemedyKind.FULL_REFUND, refund_amount=Decimal("199.00"),
            compensation_amount=Decimal(0), shipping_paid_by=Party.MERCHANT,
            rule_refs=["CPL-24"], explanation="refund", by=handler(21), policy=POLICY))
        (lambda c: c.accept_remedy(Acting("consumer:c-a", at(22))))
        (lambda c: c.execute_remedy(Decimal("199.00"), "pay-1", system(30)))
        (lambda c: c.close(ResolutionCode.REMEDY_EXECUTED, "done", handler(40), POLICY))
        (lambda c: c.link_batch_alert(
            alert_id="alert-1", sku="sku-kettle", by=system(41), policy=POLICY))
    )  # fmt: skip


def silent_merchant() -> Case:
    """Web, merchant m-1: acknowledged late (30 h); the merchant never answers: default judgment."""
    case = Case(channel_ref="web-b", consumer_id="c-b", order_id="o-b")
    case(lambda c: c.expire_deadline(case.clock(DeadlineKind.ACKNOWLEDGEMENT), system(24), POLICY))
    case(lambda c: c.acknowledge(notification_id="n", language="zh", soothing=True, by=system(30)))
    case(lambda c: c.request_merchant_evidence({"complaint": "leaks"}, handler(31), POLICY))
    return case(
        lambda c: c.expire_deadline(case.clock(DeadlineKind.MERCHANT_EVIDENCE), system(79), POLICY)
    )


def failed_spot_check() -> Case:
    """App, merchant m-2: a spot check confirms the defect; linked to a batch alert."""
    return (
        Case(channel=Channel.APP, channel_ref="app-c", consumer_id="c-c", merchant_id="m-2")
        (lambda c: c.order_spot_check(
            method="third_party_appraisal", scope="this unit", lab="lab-1",
            cost_rule="party at fault pays", by=handler(2), policy=POLICY))
        (lambda c: c.link_batch_alert(
            alert_id="alert-1", sku="sku-kettle", by=system(3), policy=POLICY))
        (lambda c: c.record_spot_check_result(
            outcome="defect_confirmed", report_ref="r-1", findings="seal", cost_payer="merchant",
            by=handler(30)))
    )  # fmt: skip


def passed_spot_check() -> Case:
    """App, merchant m-2, another SKU: no defect found; the merchant is penalised."""
    return (
        Case(channel=Channel.APP, channel_ref="app-d", consumer_id="c-d", merchant_id="m-2",
             sku="sku-toaster", product_name="toaster")
        (lambda c: c.order_spot_check(
            method="same_model_sampling", scope="batch", lab="lab-1",
            cost_rule="party at fault pays", by=handler(2), policy=POLICY))
        (lambda c: c.record_spot_check_result(
            outcome="no_defect", report_ref="r-2", findings="fine", cost_payer="consumer",
            by=handler(50)))
        (lambda c: c.record_penalty("late refund", ["PLATFORM"], handler(51)))
    )  # fmt: skip


def sku_record_events() -> list[EventEnvelope]:
    """Events of the SKU-level quality record: on the same topic, not case events."""
    record = SkuQuality.raise_first_alert(
        sku="sku-kettle",
        alert_id="alert-1",
        case_ids=[UUID(int=1)],
        threshold=3,
        window=timedelta(days=7),
        raised_at=at(3),
        by=Acting("system:batch-quality", at(3)),
    )
    return [to_envelope(e) for e in record.collect_events()]


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return [resolved_in_time(), silent_merchant(), failed_spot_check(), passed_spot_check()]


def by_time(cases: list[Case]) -> list[EventEnvelope]:
    """All cases' events interleaved as they happened (per-case order kept), SKU record too."""
    events = [e for case in cases for e in case.events] + sku_record_events()
    return sorted(events, key=lambda e: (e.recorded_at, str(e.case_id), e.sequence))


def case_after_case(cases: list[Case]) -> list[EventEnvelope]:
    """Another interleaving: each case's whole history, the cases in reverse order."""
    return sku_record_events() + [e for case in reversed(cases) for e in case.events]


# --------------------------------------------------------------- the database


@pytest.fixture
def conn(postgres_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(postgres_dsn) as connection:
        yield connection


def create(conn: psycopg.Connection[Any], projection: Projection, tables: Tables) -> None:
    with conn.transaction():
        ensure_schema(conn, projection.tables)
        for spec in projection.tables:
            for statement in create_statements(spec, tables.name(spec.name)):
                conn.execute(statement)


def apply(
    conn: psycopg.Connection[Any],
    projection: Projection,
    tables: Tables,
    events: list[EventEnvelope],
) -> None:
    with conn.transaction(), conn.cursor() as cursor:
        projection.apply(cursor, tables, events)


def select(conn: psycopg.Connection[Any], table: str) -> list[dict[str, Any]]:
    """The rows of the read-model table ``table`` (a live or shadow name)."""
    with conn.cursor(row_factory=dict_row) as cursor:
        cursor.execute(
            sql.SQL("SELECT * FROM {} ORDER BY 1, 2, 3").format(
                sql.Identifier(READ_MODELS_SCHEMA, table)
            )
        )
        return cursor.fetchall()


def project(
    conn: psycopg.Connection[Any], projection: Projection, cases: list[Case]
) -> dict[str, list[dict[str, Any]]]:
    """Apply the cases in one batch (live tables) and one event at a time in another order
    (shadow tables); check both hold the same rows, and return the live rows per table."""
    live, shadow = Tables.live(projection.tables), Tables.shadow(projection.tables)
    create(conn, projection, live)
    create(conn, projection, shadow)
    apply(conn, projection, live, by_time(cases))
    for event in case_after_case(cases):
        apply(conn, projection, shadow, [event])
    rows = {}
    for spec in projection.tables:
        rows[spec.name] = select(conn, live.name(spec.name))
        assert rows[spec.name] == select(conn, shadow.name(spec.name)), spec.name
    return rows


# ------------------------------------------------------------------- the tests


def test_case_summary_rows(conn, cases: list[Case]) -> None:
    rows = project(conn, CaseSummary(), cases)["case_summary"]

    by_id = {row["case_id"]: row for row in rows}
    assert set(by_id) == {c.case.id for c in cases}  # the SKU record gets no case row
    resolved, silent, failed, passed = (by_id[c.case.id] for c in cases)
    assert (resolved["status"], resolved["stage"], resolved["resolution"]) == (
        "closed",
        "closed",
        "remedy_executed",
    )
    assert (resolved["amount_paid"], resolved["closed_at"]) == (Decimal("199.00"), at(40))
    assert resolved["batch_alert_ids"] == ["alert-1"]
    assert resolved["deadlines"]["appeal_window@9"]["state"] == "open"
    assert (silent["status"], silent["liability_party"], silent["remedy_kind"]) == (
        "remedy_offered",
        "merchant",
        "return_and_refund",
    )
    assert silent["escalation_level"] == 1
    assert {d["kind"]: d["state"] for d in silent["deadlines"].values()} == {
        "acknowledgement": "expired",
        "merchant_evidence": "expired",
        "remedy_answer": "open",
    }
    assert (failed["channel"], failed["merchant_id"], failed["stage"]) == (
        "app",
        "m-2",
        "verification",
    )
    assert passed["sku"] == "sku-toaster"
    for case, row in zip(cases, (resolved, silent, failed, passed), strict=True):
        assert row["last_sequence"] == case.case.version
        assert row["updated_at"] == case.events[-1].recorded_at


def test_case_timeline_rows(conn, cases: list[Case]) -> None:
    rows = project(conn, CaseTimeline(), cases)["case_timeline"]

    assert len(rows) == sum(len(c.events) for c in cases) + len(sku_record_events())
    silent = [r for r in rows if r["case_id"] == cases[1].case.id]
    assert [r["sequence"] for r in silent] == list(range(1, len(silent) + 1))
    assert [r["summary"] for r in silent][-4:] == [
        "merchant evidence requested from m-1, due 2024-06-06T16:00:00Z",
        "deadline merchant_evidence@5 expired",
        "liability: merchant (silent_merchant)",
        "remedy offered: return_and_refund, refund 199.00",
    ]
    assert silent[1]["actor"] == "system:deadline-keeper"
    assert silent[-1]["payload"]["kind"] == "return_and_refund"


def test_sla_rows(conn, cases: list[Case]) -> None:
    daily = project(conn, SlaCompliance(), cases)["sla_daily"]

    assert daily == [
        {
            "day": DAY,
            "channel": "app",
            "cases_filed": 2,
            "acknowledged": 0,
            "acknowledged_in_time": 0,
            "ack_seconds_total": 0,
            "merchant_requests": 0,
            "merchant_responses": 0,
            "merchant_responses_in_time": 0,
            "merchant_response_seconds_total": 0,
            "closed": 0,
            "close_seconds_total": 0,
            "ack_mean_hours": None,  # nothing to average
            "ack_in_time_ratio": None,
            "merchant_response_mean_hours": None,
            "merchant_response_in_time_ratio": None,
            "close_mean_hours": None,
        },
        {
            "day": DAY,
            "channel": "web",
            "cases_filed": 2,
            "acknowledged": 2,
            "acknowledged_in_time": 1,  # at 1 h; the other at 30 h, after 24 h
            "ack_seconds_total": 31 * HOUR,
            "merchant_requests": 2,
            "merchant_responses": 1,
            "merchant_responses_in_time": 1,
            "merchant_response_seconds_total": 10 * HOUR,
            "closed": 1,
            "close_seconds_total": 40 * HOUR,
            "ack_mean_hours": Decimal("15.5"),  # (1 h + 30 h) / 2
            "ack_in_time_ratio": Decimal("0.5"),
            "merchant_response_mean_hours": 10,
            "merchant_response_in_time_ratio": 1,
            "close_mean_hours": 40,
        },
    ]


def test_merchant_scorecard_rows(conn, cases: list[Case]) -> None:
    cards = project(conn, MerchantScorecard(), cases)["merchant_scorecard"]

    assert cards == [
        {
            "merchant_id": "m-1",
            "complaints": 2,
            "liability_decided": 2,
            "merchant_liable": 2,
            "evidence_requests": 2,
            "evidence_responses": 1,
            "response_seconds_total": 10 * HOUR,
            "default_judgments": 1,
            "penalties": 0,
            "merchant_liable_ratio": 1,
            "response_mean_hours": 10,
        },
        {
            "merchant_id": "m-2",
            "complaints": 2,
            "liability_decided": 0,
            "merchant_liable": 0,
            "evidence_requests": 0,
            "evidence_responses": 0,
            "response_seconds_total": 0,
            "default_judgments": 0,
            "penalties": 1,
            "merchant_liable_ratio": None,
            "response_mean_hours": None,
        },
    ]


def test_sku_quality_rows(conn, cases: list[Case]) -> None:
    rows = project(conn, SkuQualityProjection(), cases)

    assert rows["sku_quality"] == [
        {
            "sku": "sku-kettle",
            "complaints": 3,
            "spot_check_results": 1,
            "defects_confirmed": 1,  # the failed spot check
            "batch_alerts": 1,  # two cases linked to the same alert
            "defect_ratio": 1,
        },
        {
            "sku": "sku-toaster",
            "complaints": 1,
            "spot_check_results": 1,
            "defects_confirmed": 0,
            "batch_alerts": 0,
            "defect_ratio": 0,
        },
    ]
    assert rows["sku_quality_alerts"] == [
        {"sku": "sku-kettle", "alert_id": "alert-1", "cases_linked": 2}
    ]


MEANS = [
    # (projection, table, mean or ratio column, numerator, denominator, unit of the numerator)
    (SlaCompliance(), "sla_daily", "ack_mean_hours", "ack_seconds_total", "acknowledged", HOUR),
    (SlaCompliance(), "sla_daily", "ack_in_time_ratio", "acknowledged_in_time", "acknowledged", 1),
    (SlaCompliance(), "sla_daily", "merchant_response_mean_hours",
     "merchant_response_seconds_total", "merchant_responses", HOUR),
    (SlaCompliance(), "sla_daily", "merchant_response_in_time_ratio",
     "merchant_responses_in_time", "merchant_responses", 1),
    (SlaCompliance(), "sla_daily", "close_mean_hours", "close_seconds_total", "closed", HOUR),
    (MerchantScorecard(), "merchant_scorecard", "response_mean_hours", "response_seconds_total",
     "evidence_responses", HOUR),
    (MerchantScorecard(), "merchant_scorecard", "merchant_liable_ratio", "merchant_liable",
     "liability_decided", 1),
    (SkuQualityProjection(), "sku_quality", "defect_ratio", "defects_confirmed",
     "spot_check_results", 1),
]  # fmt: skip


@pytest.mark.parametrize(
    ("projection", "table", "mean", "total", "count", "unit"), MEANS, ids=[m[2] for m in MEANS]
)
def test_each_mean_beside_its_sums_is_their_quotient(
    conn, cases: list[Case], projection, table, mean, total, count, unit
) -> None:
    rows = project(conn, projection, cases)[table]

    divided = [row for row in rows if row[count]]
    assert divided, f"no row of {table} has a {count} to divide by"
    for row in rows:
        if row[count]:
            expected = Decimal(row[total]) / row[count] / unit
            assert row[mean] == pytest.approx(expected, abs=Decimal("0.000001")), row
            if unit == 1:
                assert 0 <= row[mean] <= 1, row
        else:
            assert row[mean] is None, row


@pytest.mark.parametrize("projection", ALL_PROJECTIONS, ids=lambda p: p.name)
def test_applying_a_batch_again_changes_nothing(conn, cases: list[Case], projection) -> None:
    tables = Tables.live(projection.tables)
    create(conn, projection, tables)
    apply(conn, projection, tables, by_time(cases))
    before = {spec.name: select(conn, spec.name) for spec in projection.tables}

    apply(conn, projection, tables, by_time(cases))

    assert {spec.name: select(conn, spec.name) for spec in projection.tables} == before


@pytest.mark.parametrize("projection", ALL_PROJECTIONS, ids=lambda p: p.name)
def test_a_case_first_seen_mid_stream_is_tolerated(conn, cases: list[Case], projection) -> None:
    tables = Tables.live(projection.tables)
    create(conn, projection, tables)

    apply(conn, projection, tables, cases[1].events[3:])  # from its evidence request on

    if projection.name == "merchant_scorecard":
        (card,) = select(conn, "merchant_scorecard")
        assert (card["evidence_requests"], card["default_judgments"]) == (1, 1)
    if projection.name == "case_summary":
        assert select(conn, "case_summary") == []


def test_a_summary_table_of_an_earlier_release_gets_the_added_columns(
    conn, cases: list[Case]
) -> None:
    # case_summary as released before referrals existed, holding rows: starting the new
    # code adds the column, and the old rows read as referred nowhere.
    project(conn, CaseSummary(), cases)
    released, old_columns = "case_summary_released", [c for c in COLUMNS if c != "referrals"]
    table = sql.Identifier(READ_MODELS_SCHEMA, released)
    with conn.transaction():
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(table))
        conn.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(SUMMARY.columns)))
        conn.execute(
            sql.SQL("INSERT INTO {} SELECT {} FROM {}").format(
                table, sql.SQL(", ").join(map(sql.Identifier, old_columns)), SUMMARY.identifier
            )
        )
    released_tables = Tables({"case_summary": released}, READ_MODELS_SCHEMA)
    create(conn, CaseSummary(), released_tables)
    rows = select(conn, released)
    assert len(rows) == len(cases)
    assert all(row["referrals"] == [] for row in rows)
    create(conn, CaseSummary(), released_tables)  # and again: no change
