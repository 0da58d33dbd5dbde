"""The role matrix of the write side: every role against every write endpoint.

One case is filed for consumer:c-1 against merchant:m-1; "consumer:c-2" and
"merchant:m-2" are someone else, who must get the 404 of an unknown case.
Each cell is one request with a valid body: 202 (published), 403 (the role
may not), 404 (not their case), 401 (no token).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi import FastAPI

from api_support import app_with_a_case, client_for, filed_complaint

pytestmark = pytest.mark.integration

WHO = (
    None,
    "handler",
    "auditor",
    "adapter",
    "consumer",
    "merchant",
    "consumer:c-2",
    "merchant:m-2",
)

HANDLER_ACTIONS: dict[str, dict[str, Any]] = {
    "request-information": {"items": ["订单截图"]},
    "schedule-callback": {"scheduled_for": "2026-03-02T10:00:00+08:00", "note": "下午"},
    "request-merchant-evidence": {"questions": ["出厂检验报告"]},
    "order-spot-check": {
        "method": "same_model_sampling",
        "scope": "batch 7",
        "lab": "CNAS-L1234",
        "cost_rule": "party at fault pays",
    },
    "record-spot-check-result": {
        "outcome": "defect_confirmed",
        "report_ref": "lab://1",
        "findings": "leaks",
        "cost_payer": "merchant",
    },
    "assess-evidence": {"authentic": True, "relevant": True, "lawful": True},
    "determine-liability": {
        "party": "merchant",
        "grounds": ["defect"],
        "rule_refs": ["CPL-24"],
        "reasoning": "漏水",
        "testing_cost_payer": "merchant",
    },
    "offer-remedy": {
        "kind": "full_refund",
        "refund_amount": "199.90",
        "compensation_amount": "0",
        "shipping_paid_by": "merchant",
        "rule_refs": ["CPL-24"],
        "explanation": "质量问题，全额退款",
    },
    "close": {"resolution": "remedy_executed"},
    "reopen": {"new_facts": "又漏了"},
    "escalate": {"reason": "安全"},
}
MERCHANT_ACTIONS: dict[str, dict[str, Any]] = {
    "submit-evidence": {
        "evidence": [{"kind": "quality_certificate", "uri": "s3://m/cert.pdf"}],
        "explanation": "合格",
    },
}
CONSUMER_ACTIONS: dict[str, dict[str, Any]] = {
    "supply-information": {"details": "见照片"},
    "accept-remedy": {},
    "reject-remedy": {"reason": "太少"},
    "appeal": {"grounds": "不公平"},
    "satisfaction": {"score": 4, "comment": "还行"},
}


def expected(who: str | None, allowed: str) -> int:
    """The status ``who`` gets on an action of ``allowed`` role on c-1/m-1's case."""
    if who is None:
        return 401
    role, _, ident = (who if ":" in who else f"{who}:").partition(":")
    if role != allowed:
        return 403
    return 404 if ident in {"c-2", "m-2"} else 202


CELLS = [
    *[(who, action, body, "handler") for action, body in HANDLER_ACTIONS.items() for who in WHO],
    *[(who, action, body, "merchant") for action, body in MERCHANT_ACTIONS.items() for who in WHO],
    *[(who, action, body, "consumer") for action, body in CONSUMER_ACTIONS.items() for who in WHO],
]


@pytest.fixture(scope="module")
def app_and_case(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[tuple[FastAPI, UUID]]:
    with app_with_a_case(postgres_admin_dsn, kafka_bootstrap) as app_and_case:
        yield app_and_case


@pytest.mark.parametrize(("who", "action", "body", "allowed"), CELLS)
def test_case_action(
    app_and_case: tuple[FastAPI, UUID],
    who: str | None,
    action: str,
    body: dict[str, Any],
    allowed: str,
) -> None:
    app, case_id = app_and_case
    answer = client_for(app, who).post(f"/v1/cases/{case_id}/{action}", json=body)
    assert answer.status_code == expected(who, allowed), answer.text
    if answer.status_code == 202:
        assert answer.json()["status_url"] == f"/v1/commands/{answer.json()['command_id']}"
    if answer.status_code == 404:
        assert answer.json() == {"detail": "no such case"}


INTAKE = {
    None: 401,
    "handler": 403,
    "auditor": 403,
    "adapter": 202,
    "consumer": 202,  # files for consumer:c-1, the body's consumer
    "merchant": 403,
    "consumer:c-2": 403,  # someone else's complaint
    "merchant:m-2": 403,
}


@pytest.mark.parametrize(("who", "status"), INTAKE.items())
def test_intake(app_and_case: tuple[FastAPI, UUID], who: str | None, status: int) -> None:
    app, _ = app_and_case
    answer = client_for(app, who).post(
        "/v1/complaints", json=filed_complaint(2), headers={"Idempotency-Key": str(uuid4())}
    )
    assert answer.status_code == status, answer.text


SUGGESTIONS = {who: (401 if who is None else 200 if who == "handler" else 403) for who in WHO}


@pytest.mark.parametrize(("who", "status"), SUGGESTIONS.items())
def test_liability_suggestion(
    app_and_case: tuple[FastAPI, UUID], who: str | None, status: int
) -> None:
    app, case_id = app_and_case
    answer = client_for(app, who).get(f"/v1/cases/{case_id}/liability-suggestion")
    assert answer.status_code == status, answer.text
