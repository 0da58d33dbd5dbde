"""A case linked to a batch-quality alert on its SKU: the batch's spot check runs on it."""

from __future__ import annotations

from functools import reduce

import pytest

from complaint_events.contracts.commands import COMMAND_PAYLOADS
from complaint_events.contracts.translator import to_envelope
from complaint_events.domain.case import BATCH_COST_RULE, BATCH_LAB, ComplaintCase
from complaint_events.domain.deadlines import DeadlineState
from complaint_events.domain.errors import InvalidCommandError
from complaint_events.domain.sku_quality import alert_id_of_scope
from complaint_events.domain.status import CaseStatus
from complaint_events.domain.values import DeadlineKind, ResolutionCode

ALERT = "3f1c9a52-8d0e-5b7a-9c41-0d2e6f7a8b90"
SKU = "sku-kettle-1"  # the SKU of the conftest complaint
K = DeadlineKind


def link(case: ComplaintCase, by, policy, hours: float, alert_id: str = ALERT) -> list[str]:
    """Link the case to ``alert_id``; the names of the events that recorded."""
    before = len(case.pending_events)
    case.link_batch_alert(alert_id=alert_id, sku=SKU, by=by.system(hours), policy=policy)
    return [type(e).__name__ for e in case.pending_events[before:]]


def state(case: ComplaintCase, kind: DeadlineKind) -> DeadlineState:
    return next(d.state for d in reversed(case.deadlines.values()) if d.kind is kind)


def test_a_case_in_verification_runs_the_batch_spot_check(steps, by, policy, at) -> None:
    case = steps.file()
    steps.acknowledge(case, 1)
    steps.request_merchant_evidence(case, 2)

    assert link(case, by, policy, 5) == ["BatchAlertLinked", "SpotCheckOrdered"]

    assert case.batch_alerts == [{"alert_id": ALERT, "sku": SKU, "linked_at": at(5)}]
    check = case.spot_checks[-1]
    assert check["method"] == "same_model_sampling"
    assert check["scope"] == f"batch:{ALERT}"
    assert check["lab"] == BATCH_LAB == "platform-designated laboratory"
    assert check["cost_rule"] == BATCH_COST_RULE
    assert BATCH_COST_RULE.startswith("PLATFORM-TESTING-COST: The party found at fault pays")
    assert case.spot_check_running
    assert state(case, K.MERCHANT_EVIDENCE) is DeadlineState.PAUSED  # other clocks pause
    assert state(case, K.SPOT_CHECK) is DeadlineState.OPEN
    assert case.status is CaseStatus.VERIFYING


def test_a_just_filed_case_starts_verification_with_the_batch_check(steps, by, policy) -> None:
    case = steps.file()

    assert link(case, by, policy, 1) == ["BatchAlertLinked", "SpotCheckOrdered"]

    assert case.status is CaseStatus.VERIFYING
    assert state(case, K.ACKNOWLEDGEMENT) is DeadlineState.PAUSED


def test_a_running_spot_check_is_not_doubled_but_the_case_is_linked(steps, by, policy) -> None:
    case = steps.file()
    steps.order_spot_check(case, 2)

    assert link(case, by, policy, 5) == ["BatchAlertLinked"]

    assert [c["scope"] for c in case.spot_checks] == ["this unit"]
    assert [a["alert_id"] for a in case.batch_alerts] == [ALERT]


def test_a_repeat_link_changes_nothing(steps, by, policy) -> None:
    case = steps.file()
    link(case, by, policy, 5)
    version = case.version

    assert link(case, by, policy, 6) == []
    assert case.version == version
    assert len(case.batch_alerts) == 1


def test_a_second_alert_links_without_a_second_check_while_the_first_runs(
    steps, by, policy
) -> None:
    case = steps.file()
    link(case, by, policy, 5)

    assert link(case, by, policy, 6, alert_id="another-alert") == ["BatchAlertLinked"]

    assert [a["alert_id"] for a in case.batch_alerts] == [ALERT, "another-alert"]
    assert len(case.spot_checks) == 1


def test_past_verification_the_case_is_linked_for_the_record(steps, by, policy) -> None:
    case = steps.liable()

    assert link(case, by, policy, 5) == ["BatchAlertLinked"]

    assert case.spot_checks == []
    assert case.status is CaseStatus.LIABILITY_DETERMINED


def test_a_closed_case_is_linked_for_the_record_and_orders_no_test(steps, by, policy) -> None:
    case = steps.file()
    steps.close(case, 2, ResolutionCode.WITHDRAWN)

    assert link(case, by, policy, 5) == ["BatchAlertLinked"]

    assert case.spot_checks == []
    assert case.status is CaseStatus.CLOSED


def test_a_case_under_appeal_is_linked_for_the_record(steps, by, policy) -> None:
    case = steps.closed()
    case.file_appeal("the refund was short", by=by.consumer(10))

    assert link(case, by, policy, 11) == ["BatchAlertLinked"]
    assert case.status is CaseStatus.UNDER_APPEAL


def test_an_alert_on_another_sku_or_without_an_id_is_refused(steps, by, policy) -> None:
    case = steps.file()

    with pytest.raises(InvalidCommandError, match="sku-other"):
        case.link_batch_alert(alert_id=ALERT, sku="sku-other", by=by.system(1), policy=policy)
    with pytest.raises(InvalidCommandError, match="alert id"):
        case.link_batch_alert(alert_id=" ", sku=SKU, by=by.system(1), policy=policy)
    assert case.batch_alerts == []


def test_the_result_names_the_scope_of_the_check_it_answers(steps, by, policy) -> None:
    batch = steps.file()
    link(batch, by, policy, 1)
    steps.record_spot_check_result(batch, 30)
    single = steps.file(channel_ref="web-2")
    steps.order_spot_check(single, 1)
    steps.record_spot_check_result(single, 30)

    batch_result = batch.collect_events()[-1]
    single_result = single.collect_events()[-1]

    assert type(batch_result).__name__ == "SpotCheckResultRecorded"
    assert batch_result.scope == f"batch:{ALERT}"  # type: ignore[attr-defined]
    assert alert_id_of_scope(batch_result.scope) == ALERT  # type: ignore[attr-defined]
    assert single_result.scope == "this unit"  # type: ignore[attr-defined]
    assert to_envelope(batch_result).payload["scope"] == f"batch:{ALERT}"
    assert state(batch, K.ACKNOWLEDGEMENT) is DeadlineState.OPEN  # resumed


def test_a_result_recorded_before_scopes_existed_still_replays(steps) -> None:
    case = steps.file()
    steps.order_spot_check(case, 1)
    steps.record_spot_check_result(case, 30)
    events = case.collect_events()
    del events[-1].__dict__["scope"]  # as stored by the release before batch alerts

    replayed = reduce(lambda agg, e: e.mutate(agg), events, None)

    assert isinstance(replayed, ComplaintCase)
    assert replayed.spot_checks[-1]["outcome"] == "defect_confirmed"
    assert to_envelope(events[-1]).payload["scope"] is None


def test_a_linked_case_is_stored_and_read_back(app, details, by) -> None:
    filed = app.file_complaint(details(), by.adapter(0))

    outcome = app.act(
        filed.case_id,
        lambda case: case.link_batch_alert(
            alert_id=ALERT, sku=SKU, by=by.system(2), policy=app.policy
        ),
    )
    again = app.act(
        filed.case_id,
        lambda case: case.link_batch_alert(
            alert_id=ALERT, sku=SKU, by=by.system(3), policy=app.policy
        ),
    )

    assert [type(e).__name__ for e in outcome.events] == ["BatchAlertLinked", "SpotCheckOrdered"]
    assert again.events == ()
    case = app.get_case(filed.case_id)
    assert [a["alert_id"] for a in case.batch_alerts] == [ALERT]
    assert case.spot_checks[-1]["scope"] == f"batch:{ALERT}"


def test_the_command_contract_matches_the_case_method() -> None:
    version, model = COMMAND_PAYLOADS["link_batch_alert"]

    assert version == 2
    assert set(model.model_fields) == {"alert_id", "sku", "spot_check_due_at", "reports_lateness"}
    assert hasattr(ComplaintCase, "link_batch_alert")
