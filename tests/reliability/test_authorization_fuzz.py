"""Authorization fuzzing: every role's token against every endpoint and a mix of ids.

The endpoints come from the app's OpenAPI document (a new endpoint without a
rule below fails the test); the rules come from docs/api.md (Tokens and roles) and
``api/visibility.py``: handlers and auditors read everything, a merchant only
the cases filed against it, a consumer only the cases they filed, adapters only
file; a case one may not see answers ``404 no such case`` exactly like an
unknown one; a role that may not call an endpoint gets ``403``; no token ``401``.
Every answer is read: a caller's response never holds another party's case
data, and a merchant's never the consumer's name, phone or platform id.
"""

from __future__ import annotations

import random
import string
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api_support import api_tokens, filed_complaint, token_for
from complaint_events.api.app import create_app
from complaint_events.bootstrap import build_cases
from complaint_events.clock import SimulatedClock
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import Contact
from complaint_events.settings import Settings
from stack_support import complaint, publish_and_project

if TYPE_CHECKING:
    from reliability.conftest import ChaosScale

pytestmark = pytest.mark.chaos

T0: Final = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
STAFF: Final = frozenset({"handler", "auditor"})
READERS: Final = STAFF | {"merchant", "consumer"}
CALLERS: Final = (
    "handler:h-7",
    "auditor:a-1",
    "adapter:web",
    "consumer:c-1",
    "consumer:c-2",
    "merchant:m-1",
    "merchant:m-2",
)


@dataclass(frozen=True)
class Rule:
    """Who may call an endpoint (docs/api.md, Actions) and what its path id is scoped by."""

    roles: frozenset[str]
    scope: str  # case | command | merchant | sku | list | scorecards | intake | none | public


def rule_for(method: str, path: str) -> Rule:
    """The role tables of docs/api.md, endpoint by endpoint."""
    action = path.rsplit("/", 1)[-1]
    if path == "/healthz" or not path.startswith("/v1"):
        return Rule(frozenset(), "public")
    if (method, path) == ("POST", "/v1/complaints"):
        return Rule(frozenset({"adapter", "consumer"}), "intake")
    if method == "POST" and path.startswith("/v1/cases/{case_id}/"):
        if action == "submit-evidence":
            return Rule(frozenset({"merchant"}), "case")
        if action in FULFILMENT_ACTIONS:
            return Rule(frozenset({"merchant", "handler"}), "case")
        if action in CONSUMER_ACTIONS:
            return Rule(frozenset({"consumer"}), "case")
        return Rule(frozenset({"handler"}), "case")
    if action in {"liability-suggestion", "remedy-suggestion"}:
        return Rule(frozenset({"handler"}), "case")
    rules = {
        "/v1/commands/{command_id}": Rule(frozenset(READERS | {"adapter"}), "command"),
        "/v1/cases": Rule(READERS, "list"),
        "/v1/cases/{case_id}": Rule(READERS, "case"),
        "/v1/cases/{case_id}/timeline": Rule(READERS, "case"),
        "/v1/merchants/scorecards": Rule(STAFF | {"merchant"}, "scorecards"),
        "/v1/merchants/{merchant_id}/scorecard": Rule(STAFF | {"merchant"}, "merchant"),
        "/v1/sla/daily": Rule(STAFF, "none"),
        "/v1/skus/{sku}/quality": Rule(STAFF, "sku"),
    }
    assert path in rules, f"{method} {path}: a new endpoint; add its rule from docs/api.md"
    return rules[path]


CONSUMER_ACTIONS: Final = {"supply-information", "accept-remedy", "reject-remedy", "appeal",
                           "satisfaction"}  # fmt: skip
FULFILMENT_ACTIONS: Final = {"receive-return", "execute-remedy"}
BODIES: Final[dict[str, dict[str, Any]]] = {
    "assign": {"handler": "h-9"},
    "decide-appeal": {"outcome": "dismissed", "decision": "维持原处理"},
    "record-penalty": {"reason": "退款迟延", "rule_refs": ["PLATFORM-REFUND"]},
    "refer": {"authority": "market_regulator", "reference": "12315-1",
              "referred_on": "2026-03-01"},
    "receive-return": {"tracking_ref": "SF1234567"},
    "execute-remedy": {"amount_paid": "199.90", "reference": "PAY-1"},
    "request-information": {"items": ["订单截图"]},
    "schedule-callback": {"scheduled_for": "2026-03-02T10:00:00+08:00", "note": "下午"},
    "request-merchant-evidence": {"questions": ["出厂检验报告"]},
    "order-spot-check": {"method": "same_model_sampling", "scope": "batch 7",
                         "lab": "CNAS-L1234", "cost_rule": "party at fault pays"},
    "record-spot-check-result": {"outcome": "defect_confirmed", "report_ref": "lab://1",
                                 "findings": "leaks", "cost_payer": "merchant"},
    "assess-evidence": {"authentic": True, "relevant": True, "lawful": True},
    "determine-liability": {"party": "merchant", "grounds": ["defect"], "rule_refs": ["CPL-24"],
                            "reasoning": "漏水", "testing_cost_payer": "merchant"},
    "offer-remedy": {"kind": "full_refund", "refund_amount": "199.90",
                     "compensation_amount": "0", "shipping_paid_by": "merchant",
                     "rule_refs": ["CPL-24"], "explanation": "全额退款"},
    "close": {"resolution": "remedy_executed"},
    "reopen": {"new_facts": "又漏了"},
    "escalate": {"reason": "安全"},
    "submit-evidence": {"evidence": [{"kind": "quality_certificate", "uri": "s3://m/c.pdf"}],
                        "explanation": "合格"},
    "supply-information": {"details": "见照片"},
    "accept-remedy": {},
    "reject-remedy": {"reason": "太少"},
    "appeal": {"grounds": "不公平"},
    "satisfaction": {"score": 4, "comment": "还行"},
}  # fmt: skip
"""A valid body for each case action (the write-role matrix's); a new action needs one."""


@dataclass(frozen=True)
class Case:
    """A filed case and the data of it that only its parties (and staff) may see."""

    id: UUID
    consumer: str
    merchant: str
    sku: str
    name: str
    phone: str
    order_id: str

    def visible_to(self, who: str) -> bool:
        role, _, ident = who.partition(":")
        if role in STAFF:
            return True
        return (role, ident) in {("merchant", self.merchant), ("consumer", self.consumer)}

    def secrets(self) -> tuple[str, ...]:
        """What must never reach someone who may not see the case."""
        return (str(self.id), self.name, self.phone, self.order_id)


@dataclass(frozen=True)
class World:
    app: FastAPI
    client: TestClient  # no lifespan: one client for the whole run
    cases: tuple[Case, ...]
    commands: dict[str, str]  # command id -> issuer


@pytest.fixture
def world(stack_settings: Settings) -> Iterator[World]:
    """Four cases (own, another consumer's, another merchant's, a stranger's), projected."""
    parties = [("c-1", "m-1"), ("c-2", "m-1"), ("c-1", "m-2"), ("c-9", "m-9")]
    names = ["欧阳娜娜", "司马相如", "诸葛孔明", "Johnathan Stranger"]
    cases = build_cases(stack_settings)
    filed: list[Case] = []
    for n, ((consumer, merchant), name) in enumerate(zip(parties, names, strict=True)):
        phone = f"1391234{n:04d}"
        details = replace(
            complaint(n),
            consumer_id=consumer,
            merchant_id=merchant,
            sku=f"SKU-Z{n}",
            order_id=f"ORD-SECRET-{n}",
            contact=Contact(name, phone),
            description=f"漏水，联系{name}",
        )
        (outcome,) = cases.file_complaints([(details, Acting("adapter:web", T0))])
        filed.append(Case(outcome.case_id, consumer, merchant, details.sku, name, phone,
                          details.order_id))  # fmt: skip
    publish_and_project(stack_settings, cases)
    app = create_app(stack_settings, clock=SimulatedClock(T0), tokens=api_tokens())
    client = TestClient(app)
    commands = {}
    for who, case, action in [
        ("consumer:c-1", filed[0], "supply-information"),
        ("handler:h-7", filed[1], "escalate"),
    ]:
        answer = call(client, who, "POST", f"/v1/cases/{case.id}/{action}", BODIES[action])
        assert answer.status_code == 202, answer.text
        commands[answer.json()["command_id"]] = who
    try:
        yield World(app, client, tuple(filed), commands)
    finally:
        app.state.bus.close()
        app.state.db.close()
        app.state.cases.close()
        cases.close()


def call(
    client: TestClient, authorization: str | None, method: str, url: str, body: Any = None
) -> Any:
    """One request; ``authorization`` is a principal, a raw header (``!...``) or None."""
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if authorization is not None and authorization.startswith("!"):
        headers["Authorization"] = authorization[1:]
    elif authorization is not None:
        headers["Authorization"] = f"Bearer {token_for(authorization)}"
    return client.request(method, url, headers=headers, json=body)


# ----------------------------------------------------------- the expectation


JUNK: Final = string.ascii_letters + string.digits + "-_~!$&'()*+,;=:@ 案"
"""Characters of malformed ids: anything but what would change the path's shape (/ . ? # %)."""


@dataclass(frozen=True)
class Target:
    """The id put in an endpoint's path, and which case (if any) it stands for."""

    value: str
    case: Case | None = None
    issuer: str | None = None  # for a command id: who issued it
    exists: bool = True
    malformed: bool = False


def targets(world: World, scope: str, rng: random.Random, extra: int) -> list[Target]:
    junk = ["".join(rng.choices(JUNK, k=rng.randint(1, 40))) for _ in range(extra)]
    malformed = [Target(v, malformed=True) for v in ["not-a-uuid", "1", "\x00", "案件", *junk]]
    unknown = Target(str(uuid.uuid4()), exists=False)
    if scope == "case":
        return [*(Target(str(c.id), c) for c in world.cases), unknown, *malformed]
    if scope == "command":
        found = [Target(cid, issuer=who) for cid, who in world.commands.items()]
        return [*found, unknown, *malformed]
    if scope == "merchant":
        return [Target("m-1"), Target("m-2"), Target("m-unknown", exists=False)]
    if scope == "sku":
        return [Target(world.cases[0].sku), Target("SKU-UNKNOWN", exists=False)]
    return [Target("")]


def expected(who: str | None, rule: Rule, target: Target, body: dict[str, Any]) -> set[int]:
    """The statuses the stated rules allow for this call."""
    if rule.scope == "public":
        return {200}
    if who is None or (who.startswith("!") and not who.startswith("!bearer ")):
        return {401}
    principal = who.removeprefix("!bearer ").removeprefix("test-token-")
    role, _, ident = principal.partition(":")
    if role not in rule.roles:
        return {403}
    if target.malformed:
        return {422}
    if rule.scope == "case":
        if target.case is None or not target.case.visible_to(principal):
            return {404}
        if rule.roles == {"handler"} and body is None:
            return {200, 409}  # a suggestion may need a decided liability first (409)
        return {202} if body is not None else {200}
    if rule.scope == "command":
        if not target.exists or (role not in STAFF and target.issuer != principal):
            return {404}
        return {200, 202}  # decided, or pending
    if rule.scope == "merchant":
        if role == "merchant" and ident != target.value:
            return {404}
        return {200} if target.exists else {404}
    if rule.scope == "sku":
        return {200} if target.exists else {404}
    if rule.scope == "intake":
        own = body is not None and body["consumer"]["consumer_id"] == ident
        return {202} if role == "adapter" or own else {403}
    return {200}


def url_of(path: str, target: Target) -> str:
    for name in ("{case_id}", "{command_id}", "{merchant_id}", "{sku}"):
        path = path.replace(name, quote(target.value, safe=""))
    if path == "/v1/sla/daily":
        return path + "?from=2026-01-01&to=2026-12-31"
    return path


def assert_no_leak(world: World, who: str | None, answer: Any, where: str) -> None:
    """No case data the caller may not see; for a merchant, no consumer's personal data."""
    text = answer.text
    principal = (who or "").removeprefix("!bearer ").removeprefix("test-token-")
    role = principal.partition(":")[0]
    for case in world.cases:
        if principal and case.visible_to(principal) and answer.status_code < 400:
            if role == "merchant":
                for secret in (case.name, case.phone, f'"{case.consumer}"'):
                    assert secret not in text, f"{where}: merchant sees {secret!r}: {text[:500]}"
            continue
        for secret in case.secrets():
            assert secret not in text, f"{where}: {secret!r} of another's case: {text[:500]}"


def test_no_role_sees_or_touches_what_it_may_not(world: World, chaos_scale: ChaosScale) -> None:
    rng = random.Random(chaos_scale.seed)
    document = world.app.openapi()
    operations = [
        (method.upper(), path) for path, ops in document["paths"].items() for method in ops
    ]
    operations += [("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/redoc")]
    actions = {p.rsplit("/", 1)[-1] for m, p in operations if m == "POST" and "{case_id}" in p}
    assert actions == set(BODIES), f"case actions without a sample body: {actions ^ set(BODIES)}"

    garbage = [f"!Bearer {''.join(rng.choices(string.ascii_letters, k=43))}" for _ in range(3)]
    who_all: list[str | None] = [
        None,
        *CALLERS,
        "!Basic " + token_for("handler:h-7"),
        "!Bearer",
        "!bearer " + token_for("consumer:c-1"),  # the scheme is case-insensitive (RFC 7235)
        *garbage,
    ]
    extra = 2 * chaos_scale.authorization_rounds if chaos_scale.full else 0
    failures: list[str] = []
    calls = 0
    for method, path in operations:
        rule = rule_for(method, path)
        for target in targets(world, rule.scope, rng, extra):
            for who in who_all:
                bodies: list[dict[str, Any] | None] = [None]
                if method == "POST" and rule.scope == "intake":
                    bodies = [
                        filed_complaint(rng.randrange(10**9), channel_ref=str(uuid.uuid4())),
                        filed_complaint(
                            rng.randrange(10**9),
                            channel_ref=str(uuid.uuid4()),
                            consumer={"consumer_id": "c-2", "name": "王二"},
                        ),
                    ]
                elif method == "POST":
                    bodies = [BODIES[path.rsplit("/", 1)[-1]]]
                for body in bodies:
                    url = url_of(path, target)
                    answer = call(world.client, who, method, url, body)
                    calls += 1
                    where = f"{who} {method} {url}"
                    allowed = expected(who, rule, target, body)
                    if answer.status_code not in allowed:
                        failures.append(f"{where}: {answer.status_code} not in {allowed}: "
                                        f"{answer.text[:200]}")  # fmt: skip
                        continue
                    assert_no_leak(world, who, answer, where)
                    if answer.status_code == 404 and rule.scope == "case":
                        assert answer.json() == {"detail": "no such case"}, where
                    if rule.scope == "list" and answer.status_code == 200:
                        check_list(world, who or "", answer.json(), where)
                    if rule.scope == "scorecards" and who and who.startswith("merchant:"):
                        merchants = {i["merchant_id"] for i in answer.json()["items"]}
                        assert merchants <= {who.partition(":")[2]}, f"{where}: {merchants}"
    print(f"{calls} calls")
    assert not failures, f"{len(failures)} of {calls} calls broke the rules:\n" + "\n".join(
        failures[:40]
    )


def check_list(world: World, who: str, body: dict[str, Any], where: str) -> None:
    """A list holds exactly the cases the caller may see."""
    principal = who.removeprefix("!bearer ").removeprefix("test-token-")
    listed = {item["case_id"] for item in body["items"]}
    visible = {str(c.id) for c in world.cases if c.visible_to(principal)}
    assert listed == visible, f"{where}: listed {listed}, may see {visible}"


def test_past_states_are_for_staff_only(world: World) -> None:
    """``?as_of=`` reads the event store: handlers and auditors only, even for one's own case."""
    own = world.cases[0]
    url = f"/v1/cases/{own.id}?as_of=2026-03-02T00:00:00%2B00:00"
    for who in CALLERS:
        answer = call(world.client, who, "GET", url)
        role = who.partition(":")[0]
        assert answer.status_code == (200 if role in STAFF else 403), (who, answer.text)
        assert_no_leak(world, who if role in STAFF else None, answer, f"{who} GET {url}")
