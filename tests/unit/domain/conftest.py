"""Builders for domain tests: a fixed clock, complaint details, actors and a case at each stage.

Every time is ``T0`` plus some hours, so a test reads as a timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import open_cases
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import ResolutionCode
from complaint_support import T0, find_liable, kettle_complaint, offer_return_and_refund

CONSUMER = "c-1"
MERCHANT = "m-1"
IN_MEMORY = {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}


def _at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _details(**overrides: Any) -> ComplaintDetails:
    described = kettle_complaint(
        product_spec="1.7 L",
        purchase_date=date(2024, 5, 30),
        delivered_on=date(2024, 6, 1),
    )
    return replace(described, **overrides)


@pytest.fixture
def at() -> Callable[[float], datetime]:
    """``at(h)``: the instant ``h`` hours after the complaint was filed."""
    return _at


@pytest.fixture
def details() -> Callable[..., ComplaintDetails]:
    """``details(**overrides)``: a valid quality complaint with a photo of the defect."""
    return _details


@pytest.fixture
def policy() -> DeadlinePolicy:
    return DeadlinePolicy()


class Actors:
    """``Acting`` values for each party at ``T0 + hours``."""

    def handler(self, hours: float) -> Acting:
        return Acting("handler:h1", at=_at(hours))

    def consumer(self, hours: float, consumer_id: str = CONSUMER) -> Acting:
        return Acting(f"consumer:{consumer_id}", at=_at(hours))

    def merchant(self, hours: float, merchant_id: str = MERCHANT) -> Acting:
        return Acting(f"merchant:{merchant_id}", at=_at(hours))

    def system(self, hours: float) -> Acting:
        return Acting("system:deadline-keeper", at=_at(hours))

    def adapter(self, hours: float) -> Acting:
        return Acting("adapter:web", at=_at(hours))


@pytest.fixture
def by() -> Actors:
    return Actors()


class Steps:
    """The lifecycle's commands with plausible content, so a test names only what it checks."""

    def __init__(self, policy: DeadlinePolicy) -> None:
        self.policy = policy
        self.by = Actors()

    def file(self, hours: float = 0, **overrides: Any) -> ComplaintCase:
        return ComplaintCase.file(_details(**overrides), self.by.adapter(hours), self.policy)

    def acknowledge(self, case: ComplaintCase, hours: float) -> None:
        case.acknowledge(
            notification_id="n-1", language="zh", soothing=False, by=self.by.system(hours)
        )

    def request_information(self, case: ComplaintCase, hours: float) -> None:
        case.request_information(["order id"], by=self.by.handler(hours), policy=self.policy)

    def request_merchant_evidence(self, case: ComplaintCase, hours: float) -> None:
        case.request_merchant_evidence(
            {"order_id": case.order_id, "complaint": "leaks"},
            by=self.by.handler(hours),
            policy=self.policy,
        )

    def submit_merchant_evidence(self, case: ComplaintCase, hours: float) -> None:
        case.submit_merchant_evidence(
            [{"kind": "quality_certificate", "uri": "s3://qc.pdf"}],
            "batch passed factory QC",
            by=self.by.merchant(hours),
        )

    def order_spot_check(self, case: ComplaintCase, hours: float) -> None:
        case.order_spot_check(
            method="third_party_appraisal",
            scope="this unit",
            lab="lab-1",
            cost_rule="party at fault pays",
            by=self.by.handler(hours),
            policy=self.policy,
        )

    def record_spot_check_result(self, case: ComplaintCase, hours: float) -> None:
        case.record_spot_check_result(
            outcome="defect_confirmed",
            report_ref="r-1",
            findings="seal defective",
            cost_payer="merchant",
            by=self.by.handler(hours),
        )

    def assess(self, case: ComplaintCase, hours: float) -> None:
        case.assess_evidence(
            authentic=True,
            relevant=True,
            lawful=True,
            notes="photos genuine",
            by=self.by.handler(hours),
        )

    def determine_liability(self, case: ComplaintCase, hours: float) -> None:
        find_liable(case, self.by.handler(hours))

    def offer_remedy(self, case: ComplaintCase, hours: float) -> None:
        offer_return_and_refund(case, self.by.handler(hours), self.policy)

    def accept(self, case: ComplaintCase, hours: float) -> None:
        case.accept_remedy(by=self.by.consumer(hours))

    def receive_return(self, case: ComplaintCase, hours: float) -> None:
        case.receive_return("SF123", by=self.by.merchant(hours), policy=self.policy)

    def execute(self, case: ComplaintCase, hours: float) -> None:
        case.execute_remedy(Decimal("199.00"), "refund-1", by=self.by.system(hours))

    def close(
        self,
        case: ComplaintCase,
        hours: float,
        resolution: ResolutionCode = ResolutionCode.REMEDY_EXECUTED,
    ) -> None:
        case.close(resolution, "resolved", by=self.by.handler(hours), policy=self.policy)

    # -- whole stretches of the lifecycle, for tests about what comes after

    def liable(self, hours: float = 0) -> ComplaintCase:
        """A case whose merchant was found liable at ``hours`` + 3."""
        case = self.file(hours)
        self.acknowledge(case, hours + 1)
        self.assess(case, hours + 2)
        self.determine_liability(case, hours + 3)
        return case

    def offered(self, hours: float = 0) -> ComplaintCase:
        """A case with a remedy offered at ``hours`` + 4."""
        case = self.liable(hours)
        self.offer_remedy(case, hours + 4)
        return case

    def returned(self, hours: float = 0) -> ComplaintCase:
        """An accepted return-and-refund whose goods came back at ``hours`` + 6."""
        case = self.offered(hours)
        self.accept(case, hours + 5)
        self.receive_return(case, hours + 6)
        return case

    def closed(self, hours: float = 0) -> ComplaintCase:
        """A resolved case closed at ``hours`` + 8."""
        case = self.returned(hours)
        self.execute(case, hours + 7)
        self.close(case, hours + 8)
        return case


@pytest.fixture
def steps(policy: DeadlinePolicy) -> Steps:
    return Steps(policy)


@pytest.fixture
def filed_case(steps: Steps) -> Callable[..., ComplaintCase]:
    """``filed_case(**overrides)``: a case filed at ``T0`` from ``details(**overrides)``."""
    return steps.file


@pytest.fixture
def app() -> Iterator[ComplaintCases]:
    """The application on an in-memory SQLite event store."""
    application = open_cases(env=IN_MEMORY)
    yield application
    application.close()
