"""Erasure on the real stack: the contact never in clear anywhere, unreadable once erased.

A consumer's case is filed, worked and closed on PostgreSQL, relayed to Kafka
and projected into the read models. Their personal data appears in clear in
none of them; a handler can still read it. Erasure is refused within the
retention period and done after it: the contact is gone everywhere, while the
history, the read models, the audit chain and the analytics report are intact.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import UUID, uuid4

import psycopg
import pytest
from kafka import KafkaAdminClient
from psycopg import sql
from typer.testing import CliRunner, Result

from api_support import api_tokens, client_for
from audit_support import assess_and_decide, handler
from complaint_events.adapters.kafka_clients import KafkaClients
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.analytics.job import AnalyticsJob, JobOptions
from complaint_events.api.app import create_app
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.erasure import ErasureRefusedError, erase_consumer
from complaint_events.application.merchant_summary import merchant_summary
from complaint_events.application.personal_data import open_contact
from complaint_events.audit.sources import store_case_ids, verify_store
from complaint_events.bootstrap import build_cases, build_relay
from complaint_events.cli.main import app
from complaint_events.clock import FileClock, SimulatedClock
from complaint_events.contracts.commands import CommandEnvelopeV1, ScheduleCallbackV1
from complaint_events.contracts.topology import EVENTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import Channel, Demand, ProblemCategory, ResolutionCode
from complaint_events.processing.command_processor import CommandProcessor
from complaint_events.processing.messages import Incoming
from complaint_events.projections.catalog import ALL_PROJECTIONS
from complaint_events.projections.read_models_schema import READ_MODELS_SCHEMA
from complaint_events.projections.rebuild import rebuild
from complaint_events.settings import Settings
from stack_support import T0, read_topic

pytestmark = pytest.mark.integration

CONTACT = Contact("林小明", "18312342807", "lin@example.com", "文三路88号")
PERSONAL = ("林小明", "18312342807", "lin@example.com", "文三路88号")
CLOSED_AT = T0 + timedelta(hours=6)
RETENTION = timedelta(days=1095)


def filing(consumer_id: str, ref: str, contact: Contact) -> ComplaintDetails:
    return ComplaintDetails(
        channel=Channel.WEB,
        channel_ref=ref,
        received_at=T0,
        consumer_id=consumer_id,
        contact=contact,
        order_id=f"O-{ref}",
        merchant_id="m-1",
        sku="SKU-KETTLE",
        product_name="kettle",
        # What people write holds personal data too: a name and a phone number.
        description=f"我是{contact.name}，电话 {contact.phone}。the kettle leaks at the seam",
        demand=Demand.RETURN,
        category=ProblemCategory.QUALITY_DEFECT,
        price=Decimal("99.00"),
    )


def settle(case: ComplaintCase) -> None:
    """Accepted by the consumer, refunded, closed."""
    case.accept_remedy(Acting("consumer:c-1", T0 + timedelta(hours=4)))
    case.execute_remedy(Decimal("99.00"), "refund-1", handler(5))
    case.close(ResolutionCode.REMEDY_EXECUTED, "refunded", handler(6), DeadlinePolicy())


@dataclass
class World:
    settings: Settings
    cases: ComplaintCases
    case_id: UUID
    clock_file: Path

    @property
    def topic(self) -> str:
        return self.settings.topic(EVENTS_TOPIC)

    def cli(self, *args: str, now: datetime) -> Result:
        FileClock.write(self.clock_file, now)
        return CliRunner().invoke(
            app,
            list(args),
            env={
                "COMPLAINTS_STORE": "postgres",
                "COMPLAINTS_POSTGRES_DSN": self.settings.postgres_dsn,
                "COMPLAINTS_KAFKA_BOOTSTRAP": self.settings.kafka_bootstrap,
                "COMPLAINTS_TOPIC_PREFIX": self.settings.topic_prefix,
                "COMPLAINTS_CLOCK": f"file:{self.clock_file}",
                "COLUMNS": "200",
            },
        )

    def relay_and_project(self) -> None:
        relay = build_relay(self.settings, self.cases)
        relay.start()
        while relay.run_once():
            pass
        relay.close()
        rebuild(
            self.settings.postgres_dsn, KafkaClients(self.settings), self.topic, ALL_PROJECTIONS
        )

    def store_rows(self) -> list[bytes]:
        with psycopg.connect(self.settings.postgres_dsn) as conn:
            return [bytes(r[0]) for r in conn.execute("SELECT state FROM complaints_events")]

    def topic_values(self) -> list[bytes]:
        return [
            value for _key, _headers, value in read_topic(self.settings.kafka_bootstrap, self.topic)
        ]

    def every_topic_value(self) -> dict[str, list[bytes]]:
        """Every message of every topic of this world, dead-letter topics included."""
        admin = KafkaAdminClient(bootstrap_servers=self.settings.kafka_bootstrap)
        try:
            names = [t for t in admin.list_topics() if t.startswith(self.settings.topic_prefix)]
        finally:
            admin.close()
        return {
            name: [value for _k, _h, value in read_topic(self.settings.kafka_bootstrap, name)]
            for name in names
        }

    def read_model_rows(self) -> dict[str, list[str]]:
        """Every row of every table but the event store's, read models included, as text."""
        found: dict[str, list[str]] = {}
        with psycopg.connect(self.settings.postgres_dsn) as conn:
            tables = conn.execute(
                "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY(%s)"
                " AND tablename <> 'complaints_events'",
                (["public", READ_MODELS_SCHEMA],),
            ).fetchall()
            assert any(schema == READ_MODELS_SCHEMA for schema, _ in tables)
            for schema, table in tables:
                query = sql.SQL("SELECT t::text FROM {} AS t").format(sql.Identifier(schema, table))
                found[table] = [r[0] for r in conn.execute(query)]
        return found


def leaks(data: bytes) -> list[str]:
    """The personal values found in ``data``, as UTF-8 or as JSON \\u escapes."""
    return [
        value
        for value in PERSONAL
        if value.encode() in data or json.dumps(value)[1:-1].encode() in data
    ]


@pytest.fixture
def world(stack_settings: Settings, tmp_path: Path) -> Iterator[World]:
    ensure_topics(stack_settings)
    cases = build_cases(stack_settings)
    case_id = cases.file_complaint(
        filing("c-1", "web-1", CONTACT), Acting("adapter:web", T0)
    ).case_id
    cases.file_complaint(
        filing("c-2", "web-2", Contact("Wang Fang", "13912345678")), Acting("adapter:web", T0)
    )
    cases.act(
        case_id,
        lambda c: c.acknowledge(
            notification_id="n-1", language="zh", soothing=False, by=handler(1)
        ),
    )
    # The merchant is asked for evidence with a summary of the complaint, stored for
    # good in the event: the consumer's name and number must not be in it.
    cases.act(
        case_id,
        lambda c: c.request_merchant_evidence(
            merchant_summary(c, cases.description_of(c), cases.contact_of(c), []).model_dump(
                mode="json"
            ),
            handler(1.2),
            cases.policy,
        ),
    )
    # A handler's note, sent as a command as the API sends it, holds them too.
    callback = CommandEnvelopeV1(
        command_id=uuid4(),
        command_type="schedule_callback",
        schema_version=1,
        case_id=case_id,
        actor="handler:h-1",
        issued_at=T0,
        payload=ScheduleCallbackV1(
            scheduled_for=T0 + timedelta(hours=2),
            note=f"回电 {CONTACT.phone}，{CONTACT.name}",
        ).model_dump(mode="json"),
    )
    # And a decision's reasons, kept readable for the audit trail: without them.
    escalation = callback.model_copy(
        update={
            "command_id": uuid4(),
            "command_type": "escalate",
            "payload": {"reason": f"{CONTACT.name}（{CONTACT.phone}）多次来电", "level": 1},
        }
    )
    report = CommandProcessor(cases, SimulatedClock(T0 + timedelta(hours=1.3))).process(
        [
            Incoming(command.model_dump_json().encode(), key=str(case_id).encode())
            for command in (callback, escalation)
        ]
    )
    assert [r.outcome for r in report.results] == ["accepted", "accepted"], report.results
    cases.act(case_id, assess_and_decide)
    cases.act(case_id, settle)
    built = World(stack_settings, cases, case_id, tmp_path / "clock")
    built.relay_and_project()
    yield built
    cases.close()


def analytics_filed(world: World, out: Path) -> int:
    AnalyticsJob(
        world.settings,
        JobOptions(out_dir=out, once=True, from_beginning=True),
        clock=SimulatedClock(T0 + timedelta(days=10)),
    ).run()
    with (out / "sla_daily.csv").open(newline="") as f:
        return sum(int(r["complaints_filed"]) for r in csv.DictReader(f))


def test_personal_data_is_sealed_everywhere_and_erased_after_the_retention_period(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="complaint_events")
    cases, case_id = world.cases, world.case_id
    # ---- before erasure: ciphertext everywhere, readable by a handler
    assert cases.description_of(cases.get_case(case_id)).startswith("我是林小明")
    assert cases.get_case(case_id).status == "closed"
    rows = world.store_rows()
    assert rows
    assert [leaks(r) for r in rows if leaks(r)] == []
    values = world.topic_values()
    # the duplicate indexes (a problem index and an order problem index a case) are not published
    assert len(values) == len(rows) - 4
    assert [leaks(v) for v in values if leaks(v)] == []
    read_models = world.read_model_rows()
    assert read_models["case_timeline"]
    for table, texts in read_models.items():
        assert [t for t in texts if leaks(t.encode())] == [], table
    assert open_contact(cases.get_case(case_id).contact, cases.keys) == CONTACT
    # the case is found across channels by keyed hashes of its consumer's contact
    found_by = cases.duplicate_identities_of(cases.get_case(case_id))
    assert {i.partition(":")[0] for i in found_by} == {"consumer", "phone", "email"}
    shown = world.cli("privacy", "show", "c-1", "--json", now=CLOSED_AT)
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["contact"] == CONTACT.to_record()
    case_shown = json.loads(world.cli("case", "show", str(case_id), "--json", now=CLOSED_AT).output)
    assert case_shown["contact"]["name"] == "林**"
    history = [e.__dict__ for e in cases.history(case_id)]
    filed_before = analytics_filed(world, tmp_path / "before")
    assert filed_before == 2

    # ---- within the retention period: refused, with the date it becomes allowed
    allowed_from = CLOSED_AT + RETENTION
    with pytest.raises(ErasureRefusedError) as refused:
        erase_consumer(cases, "c-1", allowed_from - timedelta(days=1), RETENTION)
    assert refused.value.allowed_from == allowed_from
    early = world.cli("privacy", "erase", "c-1", now=allowed_from - timedelta(days=1))
    assert early.exit_code == 1, early.output
    assert "cannot be erased yet" in early.output
    assert cases.keys.get("c-1") is not None

    # ---- after it: erased
    done = world.cli("privacy", "erase", "c-1", "--actor", "handler:h1", now=allowed_from)
    assert done.exit_code == 0, done.output
    assert "erased" in done.output

    assert cases.keys.get("c-1") is None
    case = cases.get_case(case_id)
    assert open_contact(case.contact, cases.keys) is None
    assert cases.description_of(case) is None
    assert cases.duplicate_identities_of(case) == frozenset()  # sealed under the erased key
    assert cases.contact_of(cases.get_case(world.cases.case_ids_of_consumer("c-2")[0])) is not None
    shown = world.cli("privacy", "show", "c-1", "--json", now=allowed_from)
    assert json.loads(shown.output)["contact"] == "[erased]"
    assert json.loads(shown.output)["erasures"][0]["actor"] == "handler:h1"
    case_shown = json.loads(
        world.cli("case", "show", str(case_id), "--json", now=allowed_from).output
    )
    assert case_shown["contact"]["name"] == "[erased]"
    assert case_shown["status"] == "closed"
    with psycopg.connect(world.settings.postgres_dsn) as conn:
        key, erased_at = conn.execute(
            "SELECT key, erased_at FROM consumer_keys WHERE consumer_id = 'c-1'"
        ).fetchone()  # type: ignore[misc]
        assert key is None
        assert erased_at == allowed_from.astimezone(UTC)
        assert conn.execute("SELECT count(*) FROM personal_data_erasures").fetchone() == (1,)

    # History, read models, audit chain and analytics are untouched.
    assert [e.__dict__ for e in cases.history(case_id)] == history
    assert world.read_model_rows()["case_timeline"] == read_models["case_timeline"]
    world.relay_and_project()  # a rebuild from offset zero still works
    assert world.read_model_rows()["case_summary"] == read_models["case_summary"]
    assert verify_store(cases, store_case_ids(cases)).ok
    audit = world.cli("audit", "verify", "--all", now=allowed_from)
    assert audit.exit_code == 0, audit.output
    assert analytics_filed(world, tmp_path / "after") == filed_before

    # ---- and the name and phone number the consumer wrote are nowhere in clear:
    # the store, every topic (dead letters included), the read models, the logs.
    assert [leaks(r) for r in world.store_rows() if leaks(r)] == []
    for topic, values in world.every_topic_value().items():
        assert [leaks(v) for v in values if leaks(v)] == [], topic
    for table, texts in world.read_model_rows().items():
        assert [t for t in texts if leaks(t.encode())] == [], table
    assert leaks(caplog.text.encode()) == []

    # The API says so, rather than leaving a client to guess from a missing field.
    api = create_app(world.settings, clock=SimulatedClock(allowed_from), tokens=api_tokens())
    try:
        shown_by_api = client_for(api, "handler").get(f"/v1/cases/{case_id}")
        assert shown_by_api.status_code == 200, shown_by_api.text
        body = shown_by_api.json()
        assert body["contact"] == {
            "name": "[erased]",
            "phone": None,
            "email": None,
            "address": None,
            "erased": True,
        }
        assert body["description"] == "[erased]"
    finally:
        api.state.bus.close()
        api.state.db.close()


def test_a_dump_of_the_postgresql_database_opens_no_consumer_key(stack_settings: Settings) -> None:
    """The data keys are stored wrapped by a key that is not in the database."""
    cases = build_cases(stack_settings)
    try:
        key = cases.keys.get_or_create("c-dump")
        with psycopg.connect(stack_settings.postgres_dsn) as conn:
            (stored,) = conn.execute(
                "SELECT key FROM consumer_keys WHERE consumer_id = 'c-dump'"
            ).fetchone()  # type: ignore[misc]
            dumped = b"".join(
                bytes(row[0])
                for row in conn.execute("SELECT key FROM consumer_keys WHERE key IS NOT NULL")
            )
        assert key not in bytes(stored)
        assert key not in dumped
        assert cases.keys.get("c-dump") == key  # the process holding the wrapping key opens it
    finally:
        cases.close()
