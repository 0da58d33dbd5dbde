"""The read side of the HTTP API on the real stack: queries, visibility, masking.

Cases are filed and worked in the PostgreSQL event store, relayed to Kafka and
projected into the read models by a rebuild from offset zero, exactly as in
production; the API then answers from those tables (and from the event store
for as-of reads). The world is built once for the module; every test only reads.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Final
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api_support import api_tokens, client_for
from complaint_events.api.app import create_app
from complaint_events.application.cases import ComplaintCases
from complaint_events.bootstrap import build_cases
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.complaint import ComplaintDetails, Contact, EvidenceRef
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.domain.values import (
    Authority,
    Channel,
    EvidenceKind,
    Party,
    RemedyKind,
    ResolutionCode,
)
from complaint_events.settings import Settings
from complaint_support import find_liable, numbered_complaint
from database_support import fresh_stack_settings, stack_database
from stack_support import publish_and_project

pytestmark = pytest.mark.integration

T0: Final = datetime(2025, 3, 3, 8, 0, tzinfo=UTC)
POLICY: Final = DeadlinePolicy()

# Distinctive personal data: none of it may ever reach a merchant.
NAME: Final = "林小明"
PHONE: Final = "18312342807"
EMAIL: Final = "xiaoming.lin@example.com"
ADDRESS: Final = "文三路88号"
CONSUMER: Final = "consumer-linxm"
SECRETS: Final = (NAME, PHONE, "183-1234-2807", EMAIL, ADDRESS, CONSUMER)
MASKED_NAME: Final = "林**"
MASKED_PHONE: Final = "183****2807"

RETURN_ADDRESS: Final = "西溪路5号"  # shown to the merchant: the goods are shipped back

ROLES: Final = {
    "handler": "handler:h-1",
    "auditor": "auditor:a-1",
    "merchant": "merchant:m-1",
    "consumer": f"consumer:{CONSUMER}",
    "adapter": "adapter:web",
}


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def details(n: int, **overrides: Any) -> ComplaintDetails:
    numbered = numbered_complaint(
        n,
        at(n * 6),
        channel=(Channel.WEB, Channel.APP, Channel.HOTLINE)[n % 3],
        channel_ref=f"q-{n}",
        contact=Contact(f"顾客{n}号", f"1390000{n:04d}"),
        order_id=f"O-{n}",
        merchant_id=f"m-{n % 3}",
        sku=("SKU-K", "SKU-T")[n % 2],
        description="leaks from the base",
        price=Decimal("199.00"),
    )
    return replace(numbered, **overrides)


@dataclass(frozen=True)
class World:
    """The filed cases and a client factory; ``ids`` by name, ``order`` in filing order."""

    settings: Settings
    ids: dict[str, UUID]
    order: list[UUID]
    merchant_of: dict[UUID, str]
    channel_of: dict[UUID, str]
    client: Callable[[str | None], TestClient]


def h(hours: float) -> Acting:
    return Acting("handler:h-1", at(hours))


def _take_up(c: ComplaintCase) -> None:
    c.triage(
        route="quality", queue="q-quality", fast_track=False,
        burden_of_proof_on_merchant=False, distress=False, rule_refs=[], by=h(1),
    )  # fmt: skip
    c.assign("h-1", h(1))
    c.acknowledge(notification_id="n-1", language="zh", soothing=False, by=h(2))
    c.request_merchant_evidence({"complaint": "leaks"}, h(3), POLICY)


def _decide(kind: RemedyKind, hours: float) -> Callable[[ComplaintCase], None]:
    def decide(c: ComplaintCase) -> None:
        _liable(c, h(hours))
        c.offer_remedy(
            kind=kind, refund_amount=Decimal("199.00"), compensation_amount=Decimal(0),
            shipping_paid_by=Party.MERCHANT, rule_refs=["CPL-24"], explanation="remedy",
            by=h(hours + 1), policy=POLICY,
        )  # fmt: skip

    return decide


def _work(cases: ComplaintCases, ids: dict[str, UUID]) -> None:
    """Give the named cases histories that show up in every read model."""
    own = ids["own"]
    cases.act(own, _take_up)
    cases.act(
        own,
        lambda c: c.submit_merchant_evidence(
            [{"kind": "quality_certificate", "uri": "s3://qc.pdf"}],
            "QC passed",
            Acting("merchant:m-1", at(10)),
        ),
    )
    cases.act(own, _decide(RemedyKind.FULL_REFUND, 20))
    cases.act(
        own,
        lambda c: c.reject_remedy(
            f"不接受。请打{PHONE}找{NAME}，邮件{EMAIL}", Acting(f"consumer:{CONSUMER}", at(22))
        ),
    )
    cases.act(own, lambda c: c.escalate("consumer unhappy", 1, h(23)))
    cases.act(ids["other_consumer"], lambda c: c.escalate("urgent", 2, h(30)))
    cases.act(ids["return"], _decide(RemedyKind.RETURN_AND_REFUND, 40))
    referred = ids["bulk-5"]
    cases.act(
        referred,
        lambda c: c.refer_to_authority(Authority.MARKET_REGULATOR, REFERENCE, REFERRED_ON, h(50)),
    )
    cases.act(
        referred,
        lambda c: c.close(ResolutionCode.REFERRED_TO_AUTHORITY, "12315 takes it", h(51), POLICY),
    )


def _liable(case: ComplaintCase, by: Acting) -> None:
    find_liable(case, by, reasoning="defect")


def _file(cases: ComplaintCases) -> dict[str, UUID]:
    named = {
        "own": details(
            0,
            consumer_id=CONSUMER,
            merchant_id="m-1",
            contact=Contact(NAME, PHONE, EMAIL, ADDRESS),
            description=f"水壶底座漏水。我是{NAME}，电话 183-1234-2807，地址{ADDRESS}",
            evidence=(EvidenceRef(EvidenceKind.PHOTO, "s3://leak.jpg"),),
        ),
        "other_merchant": details(1, consumer_id=CONSUMER, merchant_id="m-2"),
        "other_consumer": details(2, merchant_id="m-1"),
        "stranger": details(3, merchant_id="m-2"),
        "return": details(
            4, merchant_id="m-1", contact=Contact("王芳", None, None, RETURN_ADDRESS)
        ),
    }
    bulk = {f"bulk-{n}": details(n) for n in range(5, 17)}
    outcomes = cases.file_complaints(
        [(d, Acting("adapter:web", d.received_at)) for d in {**named, **bulk}.values()]
    )
    return dict(zip([*named, *bulk], (o.case_id for o in outcomes), strict=True))


@pytest.fixture(scope="module")
def world(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[World]:
    with stack_database(postgres_admin_dsn) as dsn:
        settings = fresh_stack_settings(dsn, kafka_bootstrap, partitions=3)
        cases = build_cases(settings)
        ids = _file(cases)
        _work(cases, ids)
        publish_and_project(settings, cases)
        filed = {case_id: cases.get_case(case_id) for case_id in ids.values()}
        app = create_app(settings, tokens=api_tokens(*ROLES.values()))
        clients = {role: client_for(app, principal) for role, principal in ROLES.items()}
        anonymous = client_for(app, None)
        try:
            yield World(
                settings=settings,
                ids=ids,
                order=sorted(filed, key=lambda i: (filed[i].filed_at, str(i))),
                merchant_of={i: c.merchant_id for i, c in filed.items()},
                channel_of={i: str(c.channel) for i, c in filed.items()},
                client=lambda role: anonymous if role is None else clients[role],
            )
        finally:
            app.state.bus.close()
            app.state.db.close()
            app.state.cases.close()
            cases.close()


def get(world: World, role: str | None, url: str, **params: Any) -> Any:
    return world.client(role).get(url, params=params)


def walk(world: World, role: str, limit: int, **filters: Any) -> list[str]:
    """Every case id of a filtered list, page by page; no page is larger than ``limit``."""
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        params = {**filters, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = get(world, role, "/v1/cases", **params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert len(body["items"]) <= limit
        seen.extend(item["case_id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


# ------------------------------------------------------------------ listing


def test_walking_the_pages_gives_every_case_once_in_filing_order(world: World) -> None:
    assert walk(world, "handler", limit=4) == [str(i) for i in world.order]
    assert walk(world, "auditor", limit=200) == [str(i) for i in world.order]


def test_filters_narrow_the_list_and_still_page(world: World) -> None:
    of_m1 = [str(i) for i in world.order if world.merchant_of[i] == "m-1"]
    assert walk(world, "handler", limit=2, merchant_id="m-1") == of_m1
    apps = [str(i) for i in world.order if world.channel_of[i] == "app"]
    assert walk(world, "handler", limit=3, channel="app") == apps
    own, other = str(world.ids["own"]), str(world.ids["other_consumer"])
    assert walk(world, "handler", limit=5, escalated=True) == [own, other]
    assert len(walk(world, "handler", limit=50, escalated=False)) == len(world.order) - 2
    for field, value in [
        ("route", "quality"),
        ("queue", "q-quality"),
        ("assignee", "h-1"),
        ("status", "remedy_rejected"),
        ("stage", "remedy"),
    ]:
        found = walk(world, "handler", limit=10, **{field: value})
        assert own in found, field
        assert str(world.ids["stranger"]) not in found, field
    window = walk(
        world, "handler", limit=10, filed_from=at(6).isoformat(), filed_to=at(18).isoformat()
    )
    assert window == [str(world.ids["other_merchant"]), str(world.ids["other_consumer"])]


def test_merchants_and_consumers_list_only_their_own_cases(world: World) -> None:
    mine = [str(i) for i in world.order if world.merchant_of[i] == "m-1"]
    assert walk(world, "merchant", limit=2) == mine
    assert walk(world, "merchant", limit=2, merchant_id="m-2") == []
    assert walk(world, "consumer", limit=1) == [
        str(world.ids["own"]),
        str(world.ids["other_merchant"]),
    ]


def test_bad_page_requests_answer_422_with_the_field(world: World) -> None:
    bad: list[tuple[dict[str, Any], str]] = [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"limit": 201}, "limit"),
        ({"limit": 0}, "limit"),
        ({"status": "nonsense"}, "status"),
        ({"filed_from": "2025-03-03T08:00:00"}, "filed_from"),
        ({"stage": "nowhere"}, "stage"),
    ]
    for params, field in bad:
        answer = get(world, "handler", "/v1/cases", **params)
        assert answer.status_code == 422, params
        assert field in json.dumps(answer.json()["detail"])


def test_a_misspelt_or_repeated_query_parameter_is_refused_not_ignored(world: World) -> None:
    """Before, ``?stauts=open`` answered every case and ``?route=a&route=b`` used ``b``."""
    misspelt = get(world, "handler", "/v1/cases", stauts="open")
    assert misspelt.status_code == 422
    (problem,) = misspelt.json()["detail"]
    assert problem["loc"] == ["query", "stauts"]
    assert "unknown query parameter" in problem["msg"]
    assert "status" in problem["msg"]  # the ones it takes are named
    repeated = world.client("handler").get("/v1/cases?route=quality&route=food")
    assert repeated.status_code == 422
    assert repeated.json()["detail"][0]["loc"] == ["query", "route"]
    assert get(world, "handler", "/v1/cases", route="quality").status_code == 200


# --------------------------------------------------------------- one case


def test_a_case_reads_as_summary_with_its_complaint(world: World) -> None:
    body = get(world, "handler", f"/v1/cases/{world.ids['own']}").json()
    assert body["status"] == "remedy_rejected"
    assert body["stage"] == "remedy"
    assert body["merchant_id"] == "m-1"
    assert body["order_id"] == "O-0"
    assert body["escalation_level"] == 1
    assert body["liability_party"] == "merchant"
    assert body["consumer_id"] == CONSUMER
    assert body["contact"] == {
        "name": NAME,
        "phone": PHONE,
        "email": EMAIL,
        "address": ADDRESS,
        "erased": False,
    }
    assert {d["kind"] for d in body["deadlines"]} >= {"acknowledgement", "merchant_evidence"}
    assert body["evidence"] == [{"kind": "photo", "uri": "s3://leak.jpg"}]
    assert body["as_of"] is None


def test_the_timeline_lists_every_event_in_order(world: World) -> None:
    body = get(world, "auditor", f"/v1/cases/{world.ids['own']}/timeline").json()
    types = [e["event_type"] for e in body["entries"]]
    assert types[0] == "ComplaintFiled"
    assert "MerchantEvidenceSubmitted" in types
    assert types[-1] == "CaseEscalated"
    assert [e["sequence"] for e in body["entries"]] == list(range(1, len(types) + 1))
    assert body["entries"][0]["payload"]["contact"]["name"] == NAME


REFERENCE: Final = "12315-2025-0303-17"
REFERRED_ON: Final = date(2025, 3, 5)


def test_a_referral_reads_in_the_case_its_timeline_and_its_past(world: World) -> None:
    url = f"/v1/cases/{world.ids['bulk-5']}"
    case = get(world, "handler", url).json()
    assert (case["status"], case["resolution"]) == ("closed", "referred_to_authority")
    referral = {
        "authority": "market_regulator",
        "reference": REFERENCE,
        "referred_on": REFERRED_ON.isoformat(),
    }
    assert case["referrals"] == [referral]
    entries = get(world, "auditor", f"{url}/timeline").json()["entries"]
    referred = [e for e in entries if e["event_type"] == "CaseReferredToAuthority"]
    assert len(referred) == 1
    assert REFERENCE in referred[0]["summary"]
    assert "market_regulator" in referred[0]["summary"]
    before = get(world, "auditor", url, as_of=at(49).isoformat()).json()
    after = get(world, "auditor", url, as_of=at(50.5).isoformat()).json()
    assert (before["referrals"], after["referrals"]) == ([], [referral])


def test_as_of_reads_the_case_as_it_stood(world: World) -> None:
    own = world.ids["own"]
    url = f"/v1/cases/{own}"
    filed = get(world, "auditor", url, as_of=at(0.5).isoformat()).json()
    assert (filed["status"], filed["stage"], filed["route"]) == ("filed", "intake", None)
    assert filed["as_of"].startswith("2025-03-03T08:30")
    offered = get(world, "handler", url, as_of=at(21).isoformat()).json()
    assert (offered["status"], offered["remedy_kind"]) == ("remedy_offered", "full_refund")
    assert offered["escalation_level"] == 0
    now = get(world, "auditor", url, as_of=at(1000).isoformat()).json()
    current = get(world, "auditor", url).json()
    for field in ("status", "stage", "route", "queue", "assignee", "escalation_level", "version"):
        assert now[field] == current[field], field
    before = get(world, "auditor", url, as_of=(T0 - timedelta(days=1)).isoformat())
    assert before.status_code == 404
    naive = get(world, "auditor", url, as_of="2025-03-03T09:00:00")
    assert naive.status_code == 422


# ---------------------------------------------------------------- analytics


def test_scorecards(world: World) -> None:
    m1 = get(world, "handler", "/v1/merchants/m-1/scorecard").json()
    assert m1["complaints"] == sum(1 for m in world.merchant_of.values() if m == "m-1")
    assert (m1["evidence_requests"], m1["evidence_responses"]) == (1, 1)
    assert m1["mean_response_seconds"] == 7 * 3600
    assert m1["merchant_liable"] == 2
    listed = get(world, "auditor", "/v1/merchants/scorecards", limit=2).json()
    assert [s["merchant_id"] for s in listed["items"]] == ["m-0", "m-1"]
    rest = get(world, "auditor", "/v1/merchants/scorecards", cursor=listed["next_cursor"]).json()
    assert [s["merchant_id"] for s in rest["items"]] == ["m-2"]
    assert rest["next_cursor"] is None
    own = get(world, "merchant", "/v1/merchants/scorecards").json()
    assert [s["merchant_id"] for s in own["items"]] == ["m-1"]


def test_sla_figures_by_day_and_channel(world: World) -> None:
    first, last = T0.date(), (T0 + timedelta(hours=16 * 6)).date()
    body = get(world, "handler", "/v1/sla/daily", **{"from": first, "to": last}).json()
    assert sum(d["cases_filed"] for d in body["days"]) == len(world.order)
    assert body["from"] == first.isoformat()
    day_one = [d for d in body["days"] if d["day"] == first.isoformat() and d["channel"] == "web"]
    assert day_one[0]["acknowledged"] == 1
    assert day_one[0]["mean_ack_seconds"] == 2 * 3600
    web = get(world, "handler", "/v1/sla/daily", **{"from": first, "to": last, "channel": "web"})
    assert {d["channel"] for d in web.json()["days"]} == {"web"}
    backwards = get(world, "handler", "/v1/sla/daily", **{"from": last, "to": first})
    assert backwards.status_code == 422
    too_long = {"from": date(2020, 1, 1), "to": date(2025, 1, 1)}
    assert get(world, "handler", "/v1/sla/daily", **too_long).status_code == 422


def test_sku_quality(world: World) -> None:
    body = get(world, "auditor", "/v1/skus/SKU-K/quality").json()
    kettles = sum(1 for n in range(17) if n % 2 == 0)
    assert body["complaints"] == kettles
    assert body["alerts"] == []
    assert get(world, "auditor", "/v1/skus/SKU-NONE/quality").status_code == 404


# ------------------------------------------------------------- role matrix

H, A, M, C, X = "handler", "auditor", "merchant", "consumer", "adapter"


def _expect(ok: Collection[str], forbidden: Collection[str] = (X,)) -> dict[str, int]:
    """Status per role: 200 for ``ok``, 403 for ``forbidden``, 404 for the others."""
    return {role: 200 if role in ok else 403 if role in forbidden else 404 for role in ROLES}


CASE_READS: Final = ("/v1/cases/{case}", "/v1/cases/{case}/timeline")
# case -> roles that may read it (the others get 404, adapters 403)
CASE_MATRIX: Final = {
    "own": {H, A, M, C},
    "other_merchant": {H, A, C},
    "other_consumer": {H, A, M},
    "stranger": {H, A},
    "unknown": set[str](),
}
OTHER_READS: Final = [
    ("/v1/cases", {}, _expect({H, A, M, C})),
    ("/v1/cases/{own}", {"as_of": at(5).isoformat()}, _expect({H, A}, {M, C, X})),
    ("/v1/cases/{unknown}", {"as_of": at(5).isoformat()}, _expect(set(), {M, C, X})),
    ("/v1/merchants/m-1/scorecard", {}, _expect({H, A, M}, {C, X})),
    ("/v1/merchants/m-2/scorecard", {}, _expect({H, A}, {C, X})),
    ("/v1/merchants/m-none/scorecard", {}, _expect(set(), {C, X})),
    ("/v1/merchants/scorecards", {}, _expect({H, A, M}, {C, X})),
    ("/v1/sla/daily", {"from": "2025-03-01", "to": "2025-03-10"}, _expect({H, A}, {M, C, X})),
    ("/v1/skus/SKU-K/quality", {}, _expect({H, A}, {M, C, X})),
]


def _url(world: World, template: str) -> str:
    names = {name: str(case_id) for name, case_id in world.ids.items()}
    return template.format(unknown=uuid.UUID(int=7), **names)


@pytest.mark.parametrize("template", CASE_READS)
@pytest.mark.parametrize("case", list(CASE_MATRIX))
def test_role_matrix_for_case_reads(world: World, template: str, case: str) -> None:
    case_id = uuid.UUID(int=7) if case == "unknown" else world.ids[case]
    url = template.format(case=case_id)
    not_found = get(world, H, template.format(case=uuid.UUID(int=7)))
    for role in ROLES:
        answer = get(world, role, url)
        expected = 200 if role in CASE_MATRIX[case] else 403 if role == X else 404
        assert answer.status_code == expected, (role, case, answer.text)
        if expected == 404:
            # A denied read is indistinguishable from an unknown case.
            assert answer.content == not_found.content
            assert answer.headers.get("content-type") == not_found.headers.get("content-type")
    assert get(world, None, url).status_code == 401


@pytest.mark.parametrize(("template", "params", "expected"), OTHER_READS)
def test_role_matrix_for_lists_and_analytics(
    world: World, template: str, params: dict[str, str], expected: dict[str, int]
) -> None:
    url = _url(world, template)
    for role, status_code in expected.items():
        answer = get(world, role, url, **params)
        assert answer.status_code == status_code, (role, url, answer.text)
    assert get(world, None, url, **params).status_code == 401


# ----------------------------------------------------------------- masking


def merchant_visible(world: World) -> list[tuple[str, dict[str, Any]]]:
    """Every read a merchant can make on its own cases and data."""
    own = world.ids["own"]
    reads: list[tuple[str, dict[str, Any]]] = [
        ("/v1/cases", {}),
        ("/v1/cases", {"merchant_id": "m-1", "limit": 1}),
        ("/v1/merchants/m-1/scorecard", {}),
        ("/v1/merchants/scorecards", {}),
    ]
    for case_id in (own, world.ids["other_consumer"]):
        reads += [(f"/v1/cases/{case_id}", {}), (f"/v1/cases/{case_id}/timeline", {})]
    return reads


def test_a_merchant_never_sees_the_consumers_personal_data(world: World) -> None:
    for url, params in merchant_visible(world):
        answer = get(world, "merchant", url, **params)
        assert answer.status_code == 200, (url, answer.text)
        text = answer.text
        for secret in SECRETS:
            assert secret not in text, (secret, url)
            assert json.dumps(secret)[1:-1] not in text, (secret, url)  # nor \u-escaped


def test_a_merchant_sees_masked_contact_and_scrubbed_text(world: World) -> None:
    own = world.ids["own"]
    case = get(world, "merchant", f"/v1/cases/{own}").json()
    assert case["contact"] == {
        "name": MASKED_NAME,
        "phone": MASKED_PHONE,
        "email": None,
        "address": None,
        "erased": False,
    }
    assert case["consumer_id"] is None
    assert MASKED_NAME in case["description"]
    assert MASKED_PHONE in case["description"]
    timeline = get(world, "merchant", f"/v1/cases/{own}/timeline").json()
    filed = timeline["entries"][0]
    assert filed["payload"]["contact"]["name"] == MASKED_NAME
    assert filed["payload"]["contact"]["phone"] == MASKED_PHONE
    assert "consumer_id" not in filed["payload"]
    rejected = next(e for e in timeline["entries"] if e["event_type"] == "RemedyRejected")
    assert rejected["actor"] == "consumer"
    assert MASKED_PHONE in rejected["summary"]
    assert MASKED_NAME in json.dumps(rejected["payload"], ensure_ascii=False)


def test_a_merchant_sees_the_address_only_when_goods_are_shipped_back(world: World) -> None:
    shipped = get(world, "merchant", f"/v1/cases/{world.ids['return']}").json()
    assert shipped["contact"]["address"] == RETURN_ADDRESS
    assert shipped["contact"]["name"] == "王*"
    other = get(world, "merchant", f"/v1/cases/{world.ids['other_consumer']}").json()
    assert other["contact"]["address"] is None


def test_a_consumer_sees_their_own_contact_whole(world: World) -> None:
    case = get(world, "consumer", f"/v1/cases/{world.ids['own']}").json()
    assert case["contact"]["name"] == NAME
    assert case["contact"]["phone"] == PHONE
