"""Liability: who is at fault for the problem, on what grounds (docs/rules.md, Liability).

``suggest_liability`` turns the verified facts of a case into a suggestion that a
handler confirms when recording ``LiabilityDetermined``.  It is deliberately
conservative: the merchant is held liable only on a ground the rules name, the
consumer only on a ground the handler found, and everything else is left to
platform discretion rather than guessed.

Precedence, in the words a handler would use:

1. An independent spot check outweighs paper.  ``DEFECT_CONFIRMED`` establishes a
   merchant ground even if the merchant's certificates say otherwise;
   ``NO_DEFECT`` rebuts both the silent-merchant presumption and the durable-goods
   burden of proof (the test *is* the proof that there is no defect).
2. Without a conclusive test, a visible problem the consumer documented (photos,
   video) makes the merchant liable on the ground the facts name: a counterfeit
   under 消费者权益保护法 Art. 55 (fraud), any other quality problem under Art. 24
   (the remedy then follows 三包). Only when a merchant-evidence deadline really
   expired unanswered is the ground the platform's default judgment against a
   silent merchant. For a durable good within 6 months of delivery a merchant who
   has not proved there is no defect is liable (Art. 23(3)).
3. Misuse, self-repair and use past expiry put the fault on the consumer.
4. Merchant and consumer grounds together are conflicting signals: ``SHARED``.
5. Force majeure is nobody's fault.  Alone, it gives ``UNCLEAR`` (platform
   discretion, so the platform bears any testing cost and may offer goodwill)
   rather than blaming a consumer for a flood; beside a consumer ground the
   consumer remains liable; beside a merchant ground the finding is ``SHARED``.
6. A spot check that found no defect, with no consumer ground, clears the
   merchant but does not make a good-faith complainant liable: ``UNCLEAR``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from complaint_events.domain.rules.references import (
    CPL_23_DURABLE_BURDEN,
    CPL_24_QUALITY_RETURN,
    CPL_55_FRAUD,
    PLATFORM_DISCRETION,
    PLATFORM_SILENT_MERCHANT,
    RuleRef,
)
from complaint_events.domain.values import (
    LiabilityGround,
    Party,
    ProblemCategory,
    SpotCheckOutcome,
)


@dataclass(frozen=True, slots=True)
class LiabilityFacts:
    """What verification established about a case (evidence, spot check, deadlines)."""

    category: ProblemCategory
    merchant_responded: bool
    visible_defect: bool
    spot_check_outcome: SpotCheckOutcome | None
    burden_of_proof_on_merchant: bool
    merchant_proved_no_defect: bool
    consumer_misuse: bool
    self_repaired: bool
    past_expiry: bool
    force_majeure: bool
    merchant_evidence_expired: bool = False
    """A merchant-evidence deadline expired unanswered: a default judgment needs it."""


@dataclass(frozen=True, slots=True)
class LiabilitySuggestion:
    """The party the rules point to, the grounds and rules that justify it, in words."""

    party: Party
    grounds: tuple[LiabilityGround, ...]
    rule_refs: tuple[RuleRef, ...]
    reasoning: str


# The merchant ground a confirmed defect establishes, by what the consumer complained of.
_CONFIRMED_GROUND: Final[dict[ProblemCategory, LiabilityGround]] = {
    ProblemCategory.COUNTERFEIT: LiabilityGround.COUNTERFEIT,
    ProblemCategory.NOT_AS_DESCRIBED: LiabilityGround.NOT_AS_DESCRIBED,
    ProblemCategory.AFTER_SALES_BROKEN_PROMISE: LiabilityGround.BROKEN_AFTER_SALES_PROMISE,
}


def _merchant_grounds(facts: LiabilityFacts) -> tuple[tuple[LiabilityGround, RuleRef, str], ...]:
    """Each merchant ground the facts establish, with its rule and a sentence of reasoning."""
    outcome = facts.spot_check_outcome
    if outcome is SpotCheckOutcome.DEFECT_CONFIRMED:
        ground = _CONFIRMED_GROUND.get(facts.category, LiabilityGround.DEFECT)
        # 消费者权益保护法 Art. 55 for counterfeits, Art. 24 for the rest.
        rule = CPL_55_FRAUD if ground is LiabilityGround.COUNTERFEIT else CPL_24_QUALITY_RETURN
        return ((ground, rule, f"the spot check confirmed the problem ({ground.value})"),)
    if outcome is SpotCheckOutcome.NO_DEFECT:
        # Test evidence rebuts both presumptions below.
        return ()
    found: list[tuple[LiabilityGround, RuleRef, str]] = []
    if not facts.merchant_responded and facts.visible_defect:
        if facts.merchant_evidence_expired:
            found.append(
                (
                    LiabilityGround.SILENT_MERCHANT,
                    PLATFORM_SILENT_MERCHANT,
                    (
                        "the merchant gave no evidence before the deadline and the defect is "
                        "visible (default judgment)"
                    ),
                )
            )
        else:
            found.append(_documented(facts.category))
    if facts.burden_of_proof_on_merchant and not facts.merchant_proved_no_defect:
        found.append(
            (
                LiabilityGround.DEFECT,
                CPL_23_DURABLE_BURDEN,
                (
                    "a durable good within 6 months of delivery and the merchant did not "
                    "prove there is no defect (CPL Art. 23)"
                ),
            )
        )
    return tuple(found)


def _documented(category: ProblemCategory) -> tuple[LiabilityGround, RuleRef, str]:
    """The merchant ground a visible, documented problem establishes, by its kind."""
    ground = _CONFIRMED_GROUND.get(category, LiabilityGround.DEFECT)
    if ground is LiabilityGround.COUNTERFEIT:
        return (
            ground,
            CPL_55_FRAUD,
            "the consumer's photos or video show a counterfeit: a sale by fraud (CPL Art. 55)",
        )
    return (
        ground,
        CPL_24_QUALITY_RETURN,
        (
            f"the consumer's photos or video show the problem ({ground.value}): the seller "
            "answers for the goods' quality (CPL Art. 24; the remedy follows 三包)"
        ),
    )


def _consumer_grounds(facts: LiabilityFacts) -> tuple[LiabilityGround, ...]:
    """The consumer-side grounds the handler found, in a fixed order."""
    flags = (
        (facts.consumer_misuse, LiabilityGround.MISUSE),
        (facts.self_repaired, LiabilityGround.SELF_REPAIR),
        (facts.past_expiry, LiabilityGround.EXPIRED),
        (facts.force_majeure, LiabilityGround.FORCE_MAJEURE),
    )
    return tuple(ground for present, ground in flags if present)


def _unique(refs: tuple[RuleRef, ...]) -> tuple[RuleRef, ...]:
    return tuple(dict.fromkeys(refs))


def suggest_liability(facts: LiabilityFacts) -> LiabilitySuggestion:
    """Suggest who is liable for the problem and why (see the module docstring for precedence)."""
    merchant = _merchant_grounds(facts)
    merchant_grounds = tuple(dict.fromkeys(ground for ground, _, _ in merchant))
    merchant_refs = _unique(tuple(rule for _, rule, _ in merchant))
    merchant_reasons = "; ".join(reason for _, _, reason in merchant)
    consumer = _consumer_grounds(facts)
    consumer_fault = tuple(g for g in consumer if g is not LiabilityGround.FORCE_MAJEURE)

    if merchant and consumer:
        return LiabilitySuggestion(
            party=Party.SHARED,
            grounds=(*merchant_grounds, *consumer),
            rule_refs=(*merchant_refs, PLATFORM_DISCRETION),
            reasoning=(
                f"conflicting signals: {merchant_reasons}; but also "
                + ", ".join(g.value for g in consumer)
                + " on the consumer's side; liability is shared at platform discretion"
            ),
        )
    if merchant:
        return LiabilitySuggestion(
            party=Party.MERCHANT,
            grounds=merchant_grounds,
            rule_refs=merchant_refs,
            reasoning=f"merchant liable: {merchant_reasons}",
        )
    if consumer_fault:
        return LiabilitySuggestion(
            party=Party.CONSUMER,
            grounds=consumer,
            rule_refs=(),
            reasoning="consumer liable: " + ", ".join(g.value for g in consumer),
        )
    if consumer:  # force majeure alone: nobody's fault
        return LiabilitySuggestion(
            party=Party.UNCLEAR,
            grounds=(LiabilityGround.FORCE_MAJEURE, LiabilityGround.PLATFORM_DISCRETION),
            rule_refs=(PLATFORM_DISCRETION,),
            reasoning=(
                "force majeure: neither party is at fault; the platform decides at its "
                "discretion and may offer goodwill"
            ),
        )
    if facts.spot_check_outcome is SpotCheckOutcome.NO_DEFECT:
        reasoning = (
            "the spot check found no defect, which clears the merchant; no fault was "
            "found on the consumer's side either, so the platform decides at its discretion"
        )
    else:
        reasoning = "the evidence is not conclusive; the platform decides at its discretion"
    return LiabilitySuggestion(
        party=Party.UNCLEAR,
        grounds=(LiabilityGround.PLATFORM_DISCRETION,),
        rule_refs=(PLATFORM_DISCRETION,),
        reasoning=reasoning,
    )


def testing_cost_payer(party: Party) -> Party:
    """Who pays for a spot check: the party found at fault (platform rule).

    Shared liability splits the cost (``SHARED``); when nobody is found at fault
    (``UNCLEAR``) the platform, which ordered the test, bears it rather than a
    consumer who complained in good faith.
    """
    if party is Party.UNCLEAR:
        return Party.PLATFORM
    return party
