"""The workers as users run them (``complaint-events worker all``) on the real Kafka and PostgreSQL.

Channel adapters' messages go onto the intake topic, a handler's commands onto
the commands topic; the test moves the workers' clock (a file they read)
instead of sleeping, and watches the cases in the event store.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest

from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases
from complaint_events.contracts.commands import CommandResultV1
from complaint_events.contracts.dead_letters import read_context
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationV1
from complaint_events.contracts.topology import (
    COMMAND_RESULTS_TOPIC,
    EVENTS_DLQ_TOPIC,
    EVENTS_TOPIC,
    INTAKE_DLQ_TOPIC,
    NOTIFICATIONS_TOPIC,
)
from complaint_events.contracts.translator import to_envelope, to_json_bytes
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.settings import Settings
from stack_support import read_topic
from waiting import wait_until
from worker_support import (
    Worker,
    command,
    event_types,
    intake_message,
    produce,
    send_commands,
    send_intake,
    set_clock,
    worker_env,
)

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
RUNNING: list[Worker] = []
SETTLE = 60.0  # seconds a worker gets to move a case along (startup included)


@pytest.fixture
def clock_file(tmp_path: Path) -> Path:
    path = tmp_path / "clock"
    set_clock(path, T0)
    return path


@pytest.fixture
def worker(stack_settings: Settings, clock_file: Path, tmp_path: Path) -> Iterator[Worker]:
    env = worker_env(
        stack_settings, clock_file, tmp_path / "data", COMPLAINTS_BATCH_ALERT_THRESHOLD="5"
    )
    ensure_topics(stack_settings)
    running = Worker(["all"], env, tmp_path).start()
    RUNNING.append(running)
    yield running
    RUNNING.remove(running)
    code = running.stop()
    print(running.log()[-20_000:])
    assert code == 0, "the worker did not stop cleanly on SIGTERM"


@pytest.fixture
def cases(stack_settings: Settings) -> ComplaintCases:
    return build_cases(stack_settings)


def case_id(message: dict[str, object]) -> UUID:
    return ComplaintCase.create_id(str(message["channel"]), str(message["channel_ref"]))


def has(cases: ComplaintCases, case: UUID, *wanted: str) -> bool:
    for running in RUNNING:
        running.assert_alive()
    try:
        seen = event_types(cases, case)
    except Exception:  # noqa: BLE001 - not filed yet
        return False
    return all(w in seen for w in wanted)


def test_cases_move_from_intake_to_their_outcomes(
    worker: Worker,
    cases: ComplaintCases,
    stack_settings: Settings,
    clock_file: Path,
) -> None:
    bootstrap = stack_settings.kafka_bootstrap
    silent = intake_message(1, sku="kettle-1")
    food = intake_message(
        2,
        sku="milk-powder-2",
        product_name="婴儿奶粉",
        category="food_safety",
        safety_flags=["food_illness", "injury"],
        description="孩子喝了以后上吐下泻，去了医院，我非常担心",
    )
    batch = [intake_message(10 + i, sku="heater-9", merchant_id="m-heater") for i in range(5)]
    duplicate = {
        **intake_message(1, sku="kettle-1"),
        "channel": "email",
        "channel_ref": "mail-777",
        "consumer": {"consumer_id": "c-1", "name": "林小明", "email": "lin@example.com"},
    }
    poison_bytes = b"\xff\xfe not json at all"
    invalid = intake_message(30, price="-5", category="broken")
    after_poison = intake_message(31)

    # Two strangers on the events topic: garbage, which no processor can handle, and an
    # event of a case this event store does not know, which must stop none of them.
    stranger = ComplaintCase.file(
        IntakeMessageV1.model_validate(intake_message(99)).to_details(),
        Acting("adapter:app", T0),
        DeadlinePolicy(),
    )
    stranger.escalate("elsewhere", 1, Acting("handler:h-1", T0))
    unknown_case_event = to_json_bytes(to_envelope(stranger.collect_events()[1]))
    produce(bootstrap, stack_settings.topic(EVENTS_TOPIC), [b"\x00garbage", unknown_case_event])

    send_intake(bootstrap, stack_settings, [silent, food, *batch])
    send_intake(bootstrap, stack_settings, [poison_bytes, invalid, after_poison])
    send_intake(bootstrap, stack_settings, [duplicate])

    # Every valid complaint is filed, acknowledged and triaged by the workers.
    for message in [silent, food, *batch, after_poison]:
        wait_until(
            lambda m=message: has(
                cases,
                case_id(m),
                "ComplaintFiled",
                "AcknowledgementSent",
                "CaseTriaged",
                "CaseAssigned",
            ),
            timeout=SETTLE,
            what=f"{message['channel_ref']} filed, acknowledged and triaged",
        )

    # A duplicate from another channel opens no second case; it is recorded on the first.
    wait_until(
        lambda: has(cases, case_id(silent), "DuplicateSubmissionRecorded"),
        timeout=SETTLE,
        what="the email duplicate recorded on the app case",
    )
    assert not has(cases, case_id(duplicate), "ComplaintFiled")
    assert cases.get_case(case_id(silent)).duplicates[0]["channel_ref"] == "mail-777"

    # The poison message and the invalid one are on the dead-letter topic, with reasons.
    def dead_letters() -> list[tuple[str, dict[str, bytes], bytes]] | None:
        found = read_topic(bootstrap, stack_settings.topic(INTAKE_DLQ_TOPIC))
        return found if len(found) >= 2 else None

    dlq = wait_until(dead_letters, timeout=SETTLE, what="two dead letters")
    assert len(dlq) == 2
    by_value = {value: read_context(list(headers.items())) for _, headers, value in dlq}
    assert set(by_value) == {poison_bytes, json.dumps(invalid, ensure_ascii=False).encode()}
    assert "not a valid intake message" in by_value[poison_bytes]["dlq_reason"]
    invalid_errors = json.loads(
        by_value[json.dumps(invalid, ensure_ascii=False).encode()]["dlq_errors"]
    )
    assert {e["field"] for e in invalid_errors} >= {"price", "category"}

    # Acknowledgements went out to the channel adapters, in the consumer's language.
    notes = [
        NotificationV1.from_json_bytes(v)
        for _, _, v in read_topic(bootstrap, stack_settings.topic(NOTIFICATIONS_TOPIC))
    ]
    food_note = next(n for n in notes if n.case_id == case_id(food))
    assert food_note.language == "zh"
    assert food_note.soothing

    # Food-safety injury: fast track, escalation, a spot check.
    food_case = cases.get_case(case_id(food))
    assert food_case.fast_track
    assert food_case.escalated
    assert food_case.spot_checks
    assert food_case.spot_checks[0]["scope"] == "product"

    # Five complaints on one SKU: exactly one batch alert, linking all five cases.
    for message in batch:
        wait_until(
            lambda m=message: has(cases, case_id(m), "BatchAlertLinked"),
            timeout=SETTLE,
            what=f"{message['channel_ref']} linked to the batch alert",
        )
    alerts = {alert["alert_id"] for m in batch for alert in cases.get_case(case_id(m)).batch_alerts}
    assert len(alerts) == 1
    assert all(
        cases.get_case(case_id(m)).spot_checks[-1]["scope"] == f"batch:{alerts.pop()}"
        for m in batch[:1]
    )

    # The lab finds the batch defective; the result, recorded on one case, reaches all five.
    first_batch_case = case_id(batch[0])
    send_commands(
        bootstrap,
        stack_settings,
        [
            command(
                first_batch_case,
                "record_spot_check_result",
                {
                    "outcome": "defect_confirmed",
                    "report_ref": "LAB-2026-0042",
                    "findings": "thermostat fails at 60 °C in 4 of 5 samples",
                    "cost_payer": "merchant",
                },
                actor="handler:h-7",
                at=T0,
            )
        ],
    )
    for message in batch[1:]:
        wait_until(
            lambda m=message: has(cases, case_id(m), "SpotCheckResultRecorded"),
            timeout=SETTLE,
            what=f"the batch result passed on to {message['channel_ref']}",
        )
        assert cases.get_case(case_id(message)).spot_checks[-1]["outcome"] == "defect_confirmed"

    # The handler asks the silent merchant for evidence; the answer comes on the results topic.
    request = command(
        case_id(silent),
        "request_merchant_evidence",
        {"summary": {"complaint": "壶底漏水", "evidence": 1}},
        actor="handler:h-7",
        at=T0,
    )
    refused = command(case_id(silent), "accept_remedy", {}, actor="consumer:c-1", at=T0)
    ask_consumer = command(
        case_id(after_poison),
        "request_information",
        {"items": ["order screenshot", "photo of the base"]},
        actor="handler:h-7",
        at=T0,
    )
    send_commands(bootstrap, stack_settings, [request, refused, ask_consumer])
    wanted = {request["command_id"], refused["command_id"]}

    def outcomes() -> dict[str, CommandResultV1] | None:
        found = {
            str(r.command_id): r
            for r in (
                CommandResultV1.model_validate_json(value)
                for _, _, value in read_topic(
                    bootstrap, stack_settings.topic(COMMAND_RESULTS_TOPIC)
                )
            )
            if str(r.command_id) in wanted
        }
        return found if len(found) == len(wanted) else None

    results = wait_until(
        outcomes, timeout=SETTLE, what="the outcomes of the handler's and the consumer's commands"
    )
    assert results[request["command_id"]].outcome == "accepted"
    assert len(results[request["command_id"]].event_ids) == 1
    assert results[refused["command_id"]].outcome == "rejected"
    assert "cannot accept" in (results[refused["command_id"]].reason or "")

    # 49 hours later the merchant has said nothing: default judgment.
    set_clock(clock_file, T0 + timedelta(hours=49))
    wait_until(
        lambda: has(
            cases, case_id(silent), "DeadlineExpired", "LiabilityDetermined", "RemedyOffered"
        ),
        timeout=SETTLE,
        what="the silent merchant's default judgment",
    )
    decided = cases.get_case(case_id(silent))
    assert decided.liability is not None
    assert decided.liability["grounds"] == ["silent_merchant"]
    assert decided.remedy is not None
    assert decided.remedy["kind"] == "return_and_refund"
    assert event_types(cases, case_id(silent)).count("DeadlineExpired") == 1

    # The consumer who was asked for information got a reminder at 48 h ...
    wait_until(
        lambda: has(cases, case_id(after_poison), "DeadlineReminderSent"),
        timeout=SETTLE,
        what="the reminder to supply information",
    )
    # ... and, silent at 72 h, the case closes as insufficient information (reopenable).
    set_clock(clock_file, T0 + timedelta(hours=73))
    wait_until(
        lambda: has(cases, case_id(after_poison), "CaseClosed"),
        timeout=SETTLE,
        what="the case closed for insufficient information",
    )
    closed = cases.get_case(case_id(after_poison))
    assert closed.resolution == "insufficient_information"
    steps = event_types(cases, case_id(after_poison))
    assert steps.count("DeadlineReminderSent") == 1
    assert steps.count("DeadlineExpired") == 1

    # Every event processor dead-lettered the garbage and went on. The stranger's event
    # is a valid case event that no processor needs the case for (the deadline keeper
    # folds the deadline facts events carry, without reading the case): none letters it.
    def event_dead_letters() -> list[dict[str, str]] | None:
        found = [
            read_context(list(headers.items()))
            for _, headers, _ in read_topic(bootstrap, stack_settings.topic(EVENTS_DLQ_TOPIC))
        ]
        return found if len(found) >= 5 else None

    letters = wait_until(event_dead_letters, timeout=SETTLE, what="the events dead letters")
    garbage = sorted(
        d["dlq_processor"] for d in letters if "not a valid case event" in d["dlq_reason"]
    )
    assert garbage == ["acknowledgement", "batch-quality", "deadlines", "projector", "router"]
    assert len(letters) == 5, letters
