"""Every value the domain can put in front of a manager or a handler has words in both languages.

The report and the console show statuses, stages, resolutions, clocks,
channels, languages, parties, remedies, appeal and spot-check outcomes,
authorities and event types by their words (src/complaint_events/labels.py),
never by identifier: walking the domain's own enums, literals and event types
here fails the build when a new value comes without its words.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import get_args

import pytest

from complaint_events.contracts.events import EVENT_PAYLOADS
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.demo.funnel import FUNNEL_STEPS
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import (
    AppealOutcome,
    Authority,
    Channel,
    DeadlineKind,
    Demand,
    Party,
    ProblemCategory,
    RemedyKind,
    ResolutionCode,
    SpotCheckOutcome,
)
from complaint_events.labels import LABELS, label
from complaint_events.projections.case_summary import stage_of

SHOWN: tuple[type[StrEnum], ...] = (
    CaseStatus,
    ResolutionCode,
    DeadlineKind,
    Channel,
    Party,
    RemedyKind,
    ProblemCategory,
    Demand,
    AppealOutcome,
    SpotCheckOutcome,
    Authority,
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _domain_values() -> list[str]:
    values = [member.value for enum in SHOWN for member in enum]
    values += [stage_of(status, route) for status in CaseStatus for route in (None, "quality")]
    values += list(get_args(IntakeMessageV1.model_fields["language"].annotation))
    values += [step for step, _ in FUNNEL_STEPS]
    values += list(EVENT_PAYLOADS)
    return sorted(set(values))


@pytest.mark.parametrize("identifier", _domain_values())
def test_every_value_the_domain_produces_has_chinese_and_english_words(identifier: str) -> None:
    assert identifier in LABELS, f"no words for {identifier!r} in labels.py"
    words = LABELS[identifier]
    assert CHINESE.search(words.zh), words
    assert words.en
    assert "_" not in words.en
    assert words.en[0].isupper(), words


def test_the_words_read_chinese_first_then_english() -> None:
    assert str(label("no_merchant_liability")) == "商家无责 No merchant liability"
    assert str(label("closed")) == "已关闭 Closed"


def test_an_identifier_without_words_still_reads_as_words() -> None:
    assert label("some_new_value").en == "Some new value"
