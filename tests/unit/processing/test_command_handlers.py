"""Every command payload has one typed handler, and texts people write are kept as the
privacy rules say: sealed under the consumer's key, or redacted (docs/privacy.md)."""

from __future__ import annotations

from typing import Any

import pytest

from complaint_events.contracts.commands import ALL_COMMAND_MODELS, command_model
from complaint_events.domain.acting import Acting
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.processing.command_handlers import HANDLERS, Applying, apply
from stack_support import T0

TEXT = "林小明 18312342807 says so"


def test_every_payload_model_of_every_version_has_a_handler() -> None:
    assert set(HANDLERS) == set(ALL_COMMAND_MODELS)


class RecordingCase:
    """Stands in for a case: records the method called and its arguments."""

    consumer_id = "c-1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> None:
            self.calls.append((name, args, kwargs))

        return record


LIABLE = {"party": "merchant", "grounds": ["defect"], "rule_refs": ["CPL-24"],
          "testing_cost_payer": "merchant"}  # fmt: skip
OFFER = {"kind": "full_refund", "refund_amount": "1.00", "compensation_amount": "0",
         "shipping_paid_by": "merchant", "rule_refs": ["CPL-24"]}  # fmt: skip

SEALED: dict[str, tuple[str, dict[str, Any]]] = {
    "supply_information": ("details", {}),
    "schedule_callback": ("note", {"scheduled_for": "2026-03-02T09:00:00+00:00"}),
    "reject_remedy": ("reason", {}),
    "record_satisfaction": ("comment", {"score": 3}),
    "file_appeal": ("grounds", {}),
    "reopen": ("new_facts", {}),
}
"""Texts a consumer (or a handler quoting one) writes: they may hold personal data."""

REDACTED: dict[str, tuple[str, dict[str, Any]]] = {
    "submit_merchant_evidence": ("explanation", {}),
    "record_spot_check_result": ("findings", {"outcome": "defect_confirmed",
                                              "report_ref": "r-1", "cost_payer": "merchant"}),
    "assess_evidence": ("notes", {"authentic": True, "relevant": True, "lawful": True}),
    "determine_liability": ("reasoning", LIABLE),
    "offer_remedy": ("explanation", OFFER),
    "close": ("note", {"resolution": "withdrawn"}),
    "decide_appeal": ("decision", {"outcome": "upheld"}),
    "escalate": ("reason", {}),
    "record_penalty": ("reason", {}),
}  # fmt: skip
"""Texts that justify a decision: kept readable for the audit trail, without the
consumer's details."""


def _applied(command_type: str, field: str, others: dict[str, Any]) -> list[Any]:
    model = command_model(command_type, max(m.schema_version for m in ALL_COMMAND_MODELS
                                            if m.command_type == command_type))  # fmt: skip
    payload = model.model_validate({**others, field: TEXT})
    case = RecordingCase()
    applying = Applying(
        Acting("handler:h-1", T0),
        DeadlinePolicy(),
        seal=lambda text, consumer: {"sealed_for": consumer, "text": text},
        redact=lambda text, _case: f"<redacted:{text}>",
    )
    apply(case, payload, applying)  # type: ignore[arg-type]
    [(_, args, kwargs)] = case.calls
    return [*args, *kwargs.values()]


@pytest.mark.parametrize("command_type", sorted(SEALED))
def test_a_text_people_write_reaches_the_case_sealed(command_type: str) -> None:
    field, others = SEALED[command_type]
    given = _applied(command_type, field, others)
    assert {"sealed_for": "c-1", "text": TEXT} in given
    assert TEXT not in given


@pytest.mark.parametrize("command_type", sorted(REDACTED))
def test_a_decisions_text_reaches_the_case_redacted(command_type: str) -> None:
    field, others = REDACTED[command_type]
    given = _applied(command_type, field, others)
    assert f"<redacted:{TEXT}>" in given
    assert TEXT not in given
