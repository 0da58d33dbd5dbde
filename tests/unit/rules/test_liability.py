"""Liability suggestions, built from docs/rules.md, Liability."""

from __future__ import annotations

from dataclasses import replace

import pytest

from complaint_events.domain.rules.liability import LiabilityFacts, suggest_liability

# Imported under another name: pytest would collect a module-level ``test*`` function.
from complaint_events.domain.rules.liability import testing_cost_payer as cost_payer
from complaint_events.domain.rules.references import (
    CPL_23_DURABLE_BURDEN,
    CPL_24_QUALITY_RETURN,
    CPL_55_FRAUD,
    PLATFORM_DISCRETION,
    PLATFORM_SILENT_MERCHANT,
)
from complaint_events.domain.values import (
    LiabilityGround,
    Party,
    ProblemCategory,
    SpotCheckOutcome,
)

NOTHING_KNOWN = LiabilityFacts(
    category=ProblemCategory.QUALITY_DEFECT,
    merchant_responded=True,
    visible_defect=False,
    spot_check_outcome=None,
    burden_of_proof_on_merchant=False,
    merchant_proved_no_defect=False,
    consumer_misuse=False,
    self_repaired=False,
    past_expiry=False,
    force_majeure=False,
)


def test_nothing_conclusive_is_left_to_platform_discretion() -> None:
    suggestion = suggest_liability(NOTHING_KNOWN)
    assert suggestion.party is Party.UNCLEAR
    assert suggestion.grounds == (LiabilityGround.PLATFORM_DISCRETION,)
    assert suggestion.rule_refs == (PLATFORM_DISCRETION,)


@pytest.mark.parametrize(
    ("category", "ground"),
    [
        (ProblemCategory.QUALITY_DEFECT, LiabilityGround.DEFECT),
        (ProblemCategory.NOT_AS_DESCRIBED, LiabilityGround.NOT_AS_DESCRIBED),
        (ProblemCategory.COUNTERFEIT, LiabilityGround.COUNTERFEIT),
        (
            ProblemCategory.AFTER_SALES_BROKEN_PROMISE,
            LiabilityGround.BROKEN_AFTER_SALES_PROMISE,
        ),
        (ProblemCategory.FOOD_SAFETY, LiabilityGround.DEFECT),
    ],
)
def test_confirmed_spot_check_makes_the_merchant_liable(
    category: ProblemCategory, ground: LiabilityGround
) -> None:
    facts = replace(
        NOTHING_KNOWN, category=category, spot_check_outcome=SpotCheckOutcome.DEFECT_CONFIRMED
    )
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.MERCHANT
    assert suggestion.grounds == (ground,)


def test_confirmed_counterfeit_cites_cpl_55() -> None:
    facts = replace(
        NOTHING_KNOWN,
        category=ProblemCategory.COUNTERFEIT,
        spot_check_outcome=SpotCheckOutcome.DEFECT_CONFIRMED,
    )
    assert suggest_liability(facts).rule_refs == (CPL_55_FRAUD,)


def test_independent_test_outweighs_the_merchants_paperwork() -> None:
    facts = replace(
        NOTHING_KNOWN,
        spot_check_outcome=SpotCheckOutcome.DEFECT_CONFIRMED,
        merchant_proved_no_defect=True,
    )
    assert suggest_liability(facts).party is Party.MERCHANT


def test_silent_merchant_with_visible_defect_is_presumed_liable() -> None:
    facts = replace(
        NOTHING_KNOWN,
        merchant_responded=False,
        visible_defect=True,
        merchant_evidence_expired=True,
    )
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.MERCHANT
    assert suggestion.grounds == (LiabilityGround.SILENT_MERCHANT,)
    assert suggestion.rule_refs == (PLATFORM_SILENT_MERCHANT,)
    assert "default judgment" in suggestion.reasoning


def test_silent_merchant_without_visible_defect_is_not_presumed_liable() -> None:
    facts = replace(NOTHING_KNOWN, merchant_responded=False, visible_defect=False)
    assert suggest_liability(facts).party is Party.UNCLEAR


def test_durable_burden_unmet_makes_the_merchant_liable() -> None:
    facts = replace(NOTHING_KNOWN, burden_of_proof_on_merchant=True)
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.MERCHANT
    assert suggestion.grounds == (LiabilityGround.DEFECT,)
    assert suggestion.rule_refs == (CPL_23_DURABLE_BURDEN,)


def test_durable_burden_met_clears_the_merchant() -> None:
    facts = replace(NOTHING_KNOWN, burden_of_proof_on_merchant=True, merchant_proved_no_defect=True)
    assert suggest_liability(facts).party is Party.UNCLEAR


def test_inconclusive_test_leaves_the_durable_burden_on_the_merchant() -> None:
    facts = replace(
        NOTHING_KNOWN,
        burden_of_proof_on_merchant=True,
        spot_check_outcome=SpotCheckOutcome.INCONCLUSIVE,
    )
    assert suggest_liability(facts).party is Party.MERCHANT


@pytest.mark.parametrize(
    "facts",
    [
        replace(NOTHING_KNOWN, merchant_responded=False, visible_defect=True),
        replace(NOTHING_KNOWN, burden_of_proof_on_merchant=True),
    ],
)
def test_no_defect_found_rebuts_the_presumptions(facts: LiabilityFacts) -> None:
    suggestion = suggest_liability(replace(facts, spot_check_outcome=SpotCheckOutcome.NO_DEFECT))
    assert suggestion.party is Party.UNCLEAR
    assert "no defect" in suggestion.reasoning


CONSUMER_SIDE = {
    LiabilityGround.MISUSE: replace(NOTHING_KNOWN, consumer_misuse=True),
    LiabilityGround.SELF_REPAIR: replace(NOTHING_KNOWN, self_repaired=True),
    LiabilityGround.EXPIRED: replace(NOTHING_KNOWN, past_expiry=True),
    LiabilityGround.FORCE_MAJEURE: replace(NOTHING_KNOWN, force_majeure=True),
}


@pytest.mark.parametrize(
    "ground", [LiabilityGround.MISUSE, LiabilityGround.SELF_REPAIR, LiabilityGround.EXPIRED]
)
def test_consumer_fault_makes_the_consumer_liable(ground: LiabilityGround) -> None:
    facts = replace(CONSUMER_SIDE[ground], spot_check_outcome=SpotCheckOutcome.NO_DEFECT)
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.CONSUMER
    assert suggestion.grounds == (ground,)


def test_force_majeure_alone_is_nobodys_fault() -> None:
    suggestion = suggest_liability(replace(NOTHING_KNOWN, force_majeure=True))
    assert suggestion.party is Party.UNCLEAR
    assert suggestion.grounds == (
        LiabilityGround.FORCE_MAJEURE,
        LiabilityGround.PLATFORM_DISCRETION,
    )


def test_force_majeure_with_misuse_stays_with_the_consumer() -> None:
    facts = replace(NOTHING_KNOWN, force_majeure=True, consumer_misuse=True)
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.CONSUMER
    assert suggestion.grounds == (LiabilityGround.MISUSE, LiabilityGround.FORCE_MAJEURE)


@pytest.mark.parametrize("ground", list(CONSUMER_SIDE))
def test_merchant_and_consumer_grounds_together_are_shared(ground: LiabilityGround) -> None:
    facts = replace(CONSUMER_SIDE[ground], spot_check_outcome=SpotCheckOutcome.DEFECT_CONFIRMED)
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.SHARED
    assert suggestion.grounds == (LiabilityGround.DEFECT, ground)
    assert PLATFORM_DISCRETION in suggestion.rule_refs


def test_silent_merchant_on_an_unproven_durable_good_cites_both_rules() -> None:
    facts = replace(
        NOTHING_KNOWN,
        merchant_responded=False,
        visible_defect=True,
        burden_of_proof_on_merchant=True,
        merchant_evidence_expired=True,
    )
    suggestion = suggest_liability(facts)
    assert suggestion.party is Party.MERCHANT
    assert suggestion.grounds == (LiabilityGround.SILENT_MERCHANT, LiabilityGround.DEFECT)
    assert suggestion.rule_refs == (PLATFORM_SILENT_MERCHANT, CPL_23_DURABLE_BURDEN)


@pytest.mark.parametrize(
    ("liable", "payer"),
    [
        (Party.MERCHANT, Party.MERCHANT),
        (Party.CONSUMER, Party.CONSUMER),
        (Party.SHARED, Party.SHARED),
        (Party.UNCLEAR, Party.PLATFORM),
        (Party.PLATFORM, Party.PLATFORM),
    ],
)
def test_the_party_at_fault_pays_for_testing(liable: Party, payer: Party) -> None:
    assert cost_payer(liable) is payer


# Issue 14: the grounds follow the facts. Before, a counterfeit complaint and a
# quality return on which no merchant evidence was ever requested were suggested
# as "default judgment" against a silent merchant: a false legal reference.
NEVER_ASKED = replace(NOTHING_KNOWN, merchant_responded=False, visible_defect=True)
GROUNDS_TABLE = {
    "fraud: a documented counterfeit, merchant never asked": (
        replace(NEVER_ASKED, category=ProblemCategory.COUNTERFEIT),
        Party.MERCHANT, (LiabilityGround.COUNTERFEIT,), (CPL_55_FRAUD,),
    ),
    "quality defect documented, merchant never asked": (
        NEVER_ASKED,
        Party.MERCHANT, (LiabilityGround.DEFECT,), (CPL_24_QUALITY_RETURN,),
    ),
    "not as described, documented": (
        replace(NEVER_ASKED, category=ProblemCategory.NOT_AS_DESCRIBED),
        Party.MERCHANT, (LiabilityGround.NOT_AS_DESCRIBED,), (CPL_24_QUALITY_RETURN,),
    ),
    "silent merchant, evidence deadline expired": (
        replace(NEVER_ASKED, merchant_evidence_expired=True),
        Party.MERCHANT, (LiabilityGround.SILENT_MERCHANT,), (PLATFORM_SILENT_MERCHANT,),
    ),
    "durable good within 6 months, merchant did not prove": (
        replace(NOTHING_KNOWN, burden_of_proof_on_merchant=True),
        Party.MERCHANT, (LiabilityGround.DEFECT,), (CPL_23_DURABLE_BURDEN,),
    ),
    "durable good within 6 months, documented, never asked": (
        replace(NEVER_ASKED, burden_of_proof_on_merchant=True),
        Party.MERCHANT, (LiabilityGround.DEFECT,), (CPL_24_QUALITY_RETURN, CPL_23_DURABLE_BURDEN),
    ),
    "durable good after 6 months, nothing documented": (
        NOTHING_KNOWN,
        Party.UNCLEAR, (LiabilityGround.PLATFORM_DISCRETION,), (PLATFORM_DISCRETION,),
    ),
    "no-reason return, nothing wrong with the goods": (
        replace(NOTHING_KNOWN, category=ProblemCategory.NO_REASON_RETURN),
        Party.UNCLEAR, (LiabilityGround.PLATFORM_DISCRETION,), (PLATFORM_DISCRETION,),
    ),
    "food problem documented, never asked": (
        replace(NEVER_ASKED, category=ProblemCategory.FOOD_SAFETY),
        Party.MERCHANT, (LiabilityGround.DEFECT,), (CPL_24_QUALITY_RETURN,),
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(GROUNDS_TABLE))
def test_the_grounds_follow_the_facts(case: str) -> None:
    facts, party, grounds, refs = GROUNDS_TABLE[case]
    suggestion = suggest_liability(facts)
    assert (suggestion.party, suggestion.grounds, suggestion.rule_refs) == (party, grounds, refs)
    if not facts.merchant_evidence_expired:
        assert "default judgment" not in suggestion.reasoning
