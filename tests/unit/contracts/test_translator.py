"""The translator turns every stored case event into a published message and back, exactly."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import JSONTranscoder

from complaint_events.application.transcodings import DateAsISO
from complaint_events.contracts.envelope import (
    HEADER_CONTENT_TYPE,
    HEADER_EVENT_ID,
    HEADER_EVENT_TYPE,
    HEADER_SCHEMA_VERSION,
    EventEnvelope,
    event_id_for,
    kafka_headers,
)
from complaint_events.contracts.events import (
    EVENT_PAYLOADS,
    ComplaintFiledV1,
    ContractError,
    RemedyOfferedV1,
    payload_model,
)
from complaint_events.contracts.translator import from_json_bytes, to_envelope, to_json_bytes
from complaint_events.domain import case as case_module
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.sku_quality import SkuQuality
from complaint_events.domain.values import (
    AppealOutcome,
    Authority,
    Channel,
    Demand,
    EvidenceKind,
    Party,
    RemedyKind,
    ResolutionCode,
    Route,
    SafetyFlag,
    SpotCheckMethod,
    SpotCheckOutcome,
)
from complaint_support import find_liable, kettle_complaint

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
POLICY = DeadlinePolicy()


def declared_event_names(aggregate: type[Aggregate] = ComplaintCase) -> set[str]:
    """Event classes the aggregate defines (its own base classes aside)."""
    return {
        name
        for name, value in vars(aggregate).items()
        if isinstance(value, type)
        and issubclass(value, aggregate.Event)
        and value is not aggregate.Event
        and name != "Created"
    }


def details() -> ComplaintDetails:
    """The kettle complaint by app, with an email, an address, a quantity and a safety flag."""
    return kettle_complaint(
        channel=Channel.APP,
        channel_ref="app-123",
        received_at=T0 - timedelta(minutes=5),
        consumer_id="c1",
        contact=Contact("林小明", "18312342807", "lin@example.com", "杭州"),
        merchant_id="m1",
        sku="sku-1",
        product_name="电热水壶",
        description="壶底漏水",
        demand=Demand.REFUND,
        price=Decimal("199.90"),
        quantity=2,
        purchase_date=T0.date() - timedelta(days=3),
        evidence=(EvidenceRef(EvidenceKind.PHOTO, "s3://ev/1.jpg"),),
        safety_flags=frozenset({SafetyFlag.ELECTRIC_SHOCK}),
    )


def at(hours: float, actor: str = "handler:h1") -> Acting:
    return Acting(
        actor,
        T0 + timedelta(hours=hours),
        correlation_id="corr-1",
        causation_id=f"cmd-{hours}",
        reason="test",
    )


def whole_lifecycle() -> ComplaintCase:
    """One case through every event the aggregate can record."""
    case = ComplaintCase.file(details(), at(0, "adapter:app"), POLICY)
    case.triage(
        route=Route.QUALITY,
        queue="quality",
        fast_track=False,
        burden_of_proof_on_merchant=False,
        distress=True,
        rule_refs=["CPL-24"],
        by=at(0.1, "system:router"),
    )
    case.assign("h1", at(0.2))
    case.record_duplicate(
        channel=Channel.HOTLINE,
        channel_ref="call-9",
        matched_on="problem_key",
        by=at(0.3, "system:intake"),
    )
    case.acknowledge(notification_id="n-1", language="zh", soothing=True, by=at(0.4))
    case.request_information(["order screenshot"], at(1), POLICY)
    case.supply_information(
        "here it is", [{"kind": "photo", "uri": "s3://ev/2.jpg"}], at(2, "consumer:c1")
    )
    case.schedule_callback(T0 + timedelta(hours=5), "call about the leak", at(3))
    case.request_merchant_evidence({"order_id": "o-1", "consumer": "林**"}, at(4), POLICY)
    case.submit_merchant_evidence(
        [{"kind": "quality_certificate", "uri": "s3://m/c.pdf"}],
        "batch passed QA",
        at(5, "merchant:m1"),
    )
    case.order_spot_check(
        method=SpotCheckMethod.THIRD_PARTY_APPRAISAL,
        scope="this unit",
        lab="CQC",
        cost_rule="party at fault pays",
        by=at(6),
        policy=POLICY,
    )
    case.record_spot_check_result(
        outcome=SpotCheckOutcome.DEFECT_CONFIRMED,
        report_ref="r-1",
        findings="seal defect",
        cost_payer=Party.MERCHANT,
        by=at(30),
    )
    case.assess_evidence(authentic=True, relevant=True, lawful=True, notes="ok", by=at(31))
    find_liable(case, at(32), reasoning="lab confirmed the defect")
    offer: dict[str, Any] = {
        "kind": RemedyKind.RETURN_AND_REFUND,
        "refund_amount": Decimal("399.80"),
        "compensation_amount": Decimal("0.00"),
        "shipping_paid_by": Party.MERCHANT,
        "rule_refs": ["CPL-24"],
        "explanation": "merchant pays shipping",
        "policy": POLICY,
    }
    case.offer_remedy(by=at(33), **offer)
    case.reject_remedy("want compensation too", at(34, "consumer:c1"))
    case.offer_remedy(by=at(35), **{**offer, "compensation_amount": Decimal("50.00")})
    case.send_reminder(f"remedy_answer@{case.version}", at(35 + 49, "system:deadlines"))
    case.accept_remedy(at(35 + 50, "consumer:c1"))
    case.receive_return("SF123", at(90, "merchant:m1"), POLICY)
    case.execute_remedy(Decimal("449.80"), "refund-1", at(91, "system:payments"))
    case.close(ResolutionCode.REMEDY_EXECUTED, "refunded", at(92), POLICY)
    case.link_batch_alert(
        alert_id="alert-1", sku="sku-1", by=at(92.5, "system:batch"), policy=POLICY
    )  # closed: linked for the record only
    case.record_satisfaction(4, "slow but fair", at(93, "consumer:c1"))
    case.file_appeal("compensation too low", at(94, "consumer:c1"))
    case.decide_appeal(AppealOutcome.DISMISSED, "statutory minimum met", at(95))
    case.reopen("second leak, new photos", at(96))
    case.escalate("repeat defect", 2, at(97))
    case.record_penalty("defective batch", ["CPL-24"], at(98))
    case.refer_to_authority(Authority.MARKET_REGULATOR, "12315-2026-0042", T0.date(), at(98.5))
    deadline_id = f"information@{case.version + 1}"
    case.request_information(["photos of the second leak"], at(99), POLICY)
    assert case.expire_deadline(deadline_id, at(99 + 73, "system:deadlines"), POLICY)
    return case


def test_every_event_the_case_declares_has_a_contract() -> None:
    declared = declared_event_names()
    in_source = set(re.findall(r'@event\("(\w+)"\)', Path(case_module.__file__).read_text()))
    assert declared == in_source
    assert declared | declared_event_names(SkuQuality) == set(EVENT_PAYLOADS)


def test_every_event_of_a_lifecycle_translates_and_round_trips() -> None:
    case = whole_lifecycle()
    events = case.collect_events()
    assert {type(e).__name__ for e in events} == declared_event_names()
    for expected_sequence, event in enumerate(events, start=1):
        envelope = to_envelope(event)
        assert envelope.sequence == expected_sequence
        assert envelope.case_id == case.id
        assert envelope.event_id == event_id_for(case.id, expected_sequence)
        assert envelope.recorded_at == event.timestamp
        data = to_json_bytes(envelope)
        assert from_json_bytes(data) == envelope
        assert json.loads(data)["payload"] == envelope.payload
        assert to_envelope(event) == envelope  # a replay publishes the very same message


def test_filed_event_envelope() -> None:
    case = ComplaintCase.file(details(), at(0, "adapter:app"), POLICY)
    envelope = to_envelope(case.collect_events()[0])
    assert envelope.event_type == "ComplaintFiled"
    assert envelope.schema_version == 1
    assert envelope.occurred_at == T0 - timedelta(minutes=5)  # received, not recorded
    assert envelope.recorded_at == T0
    assert (envelope.actor, envelope.correlation_id, envelope.reason) == (
        "adapter:app",
        "corr-1",
        "test",
    )
    assert envelope.payload["price"] == "199.90"  # exact money, as a string
    assert envelope.payload["safety_flags"] == ["electric_shock"]
    payload = envelope.typed_payload()
    assert isinstance(payload, ComplaintFiledV1)
    assert payload.price == Decimal("199.90")
    assert payload.contact.name == "林小明"
    assert "林小明".encode() in to_json_bytes(envelope)  # UTF-8, not \\u escapes


def test_kafka_headers_carry_id_type_and_version() -> None:
    case = ComplaintCase.file(details(), at(0), POLICY)
    envelope = to_envelope(case.collect_events()[0])
    assert dict(kafka_headers(envelope)) == {
        HEADER_EVENT_ID: str(envelope.event_id).encode(),
        HEADER_EVENT_TYPE: b"ComplaintFiled",
        HEADER_SCHEMA_VERSION: b"1",
        HEADER_CONTENT_TYPE: b"application/json",
    }
    assert envelope.kafka_key() == str(case.id).encode()


class InMemoryStore(Application[UUID]):
    """Stores events as JSON, like the real store: enums come back as plain strings."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())


def test_events_read_back_from_the_store_translate_the_same() -> None:
    app = InMemoryStore(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    case = whole_lifecycle()
    pending = list(case.pending_events)
    app.save(case)
    stored = list(app.repository.event_store.get(case.id))
    filed = stored[0]
    assert type(filed.demand) is str  # type: ignore[attr-defined]  # as stored, not an enum
    assert [to_envelope(e) for e in stored] == [to_envelope(e) for e in pending]


def test_event_ids_are_deterministic() -> None:
    case_id = uuid4()
    assert event_id_for(case_id, 3) == event_id_for(case_id, 3)
    assert event_id_for(case_id, 3) != event_id_for(case_id, 4)


def test_an_event_without_a_contract_is_refused() -> None:
    class CaseSplit:
        def __init__(self) -> None:
            self.originator_id = uuid4()
            self.originator_version = 2
            self.timestamp = T0
            self.meta = {"actor": "handler:h1"}

    with pytest.raises(ContractError, match=r"CaseSplit.*no wire contract"):
        to_envelope(CaseSplit())


def test_a_domain_field_missing_from_the_contract_is_refused() -> None:
    case = ComplaintCase.file(details(), at(0), POLICY)
    event = case.collect_events()[0]
    object.__setattr__(event, "loyalty_tier", "gold")
    with pytest.raises(ContractError, match="loyalty_tier"):
        to_envelope(event)


def test_a_payload_that_breaks_its_contract_is_refused() -> None:
    case = ComplaintCase.file(details(), at(0), POLICY)
    event = case.collect_events()[0]
    object.__setattr__(event, "demand", "a pony")
    with pytest.raises(ContractError, match=r"ComplaintFiled v1 .* breaks its contract"):
        to_envelope(event)


def test_decoding_refuses_unknown_types_versions_and_bad_payloads() -> None:
    case = ComplaintCase.file(details(), at(0), POLICY)
    message = json.loads(to_json_bytes(to_envelope(case.collect_events()[0])))
    for change, error in [
        ({"event_type": "CaseVanished"}, "no wire contract for event type 'CaseVanished'"),
        ({"schema_version": 9}, "has no schema version 9"),
        ({"payload": {**message["payload"], "price": 19.9}}, "exact decimal string"),
        ({"surprise": 1}, "surprise"),
    ]:
        with pytest.raises(ContractError, match=error):
            from_json_bytes(json.dumps({**message, **change}).encode())


def test_payload_models_tolerate_fields_added_later() -> None:
    model = payload_model("RemedyOffered", 1)
    assert model is RemedyOfferedV1
    case = whole_lifecycle()
    offered = next(e for e in case.collect_events() if type(e).__name__ == "RemedyOffered")
    message = json.loads(to_json_bytes(to_envelope(offered)))
    message["payload"]["voucher_code"] = "added in a later, compatible release"
    decoded = from_json_bytes(json.dumps(message).encode())
    assert "voucher_code" not in decoded.payload
    assert isinstance(decoded, EventEnvelope)
