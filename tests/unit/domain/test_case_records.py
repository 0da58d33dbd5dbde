"""The typed views of a case's liability finding, remedy offer and spot checks."""

from __future__ import annotations

from decimal import Decimal

from complaint_events.domain.case_records import LiabilityFinding, RemedyOffer, SpotCheck
from complaint_events.domain.values import LiabilityGround, Party, RemedyKind, SpotCheckOutcome


def test_a_new_case_has_no_finding_offer_or_check(steps) -> None:
    case = steps.file()

    assert (case.liability_finding, case.remedy_offer) == (None, None)
    assert (case.last_spot_check, case.last_spot_check_outcome) == (None, None)


def test_a_spot_check_reads_as_running_then_with_its_outcome(steps, at) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.order_spot_check(case, 2)

    assert case.last_spot_check == SpotCheck("this unit", None, at(2), reports_lateness=True)
    assert case.last_spot_check_outcome is None

    steps.record_spot_check_result(case, 30)

    assert case.last_spot_check is not None
    assert case.last_spot_check.outcome is SpotCheckOutcome.DEFECT_CONFIRMED
    assert case.last_spot_check_outcome is SpotCheckOutcome.DEFECT_CONFIRMED


def test_the_finding_and_the_offer_read_with_the_rules_enums(steps, at) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.assess(case, 2)
    steps.determine_liability(case, 3)
    steps.offer_remedy(case, 4)

    assert case.liability_finding == LiabilityFinding(
        party=Party.MERCHANT,
        grounds=(LiabilityGround.DEFECT,),
        rule_refs=("CPL-24",),
        testing_cost_payer=Party.MERCHANT,
        at=at(3),
    )
    offer = case.remedy_offer
    assert offer == RemedyOffer(
        RemedyKind.RETURN_AND_REFUND, Decimal("199.00"), Decimal(0), None, at(4)
    )

    steps.accept(case, 5)

    assert case.remedy_offer is not None
    assert (case.remedy_offer.answer, case.remedy_offer.amount) == ("accepted", Decimal("199.00"))
