"""Schemathesis against the served OpenAPI document: the API does what it says (issue 13).

The app runs on the real stack (its own database and topics). Every operation
is called as every role, with schema-valid requests (positive) and invalid ones
(negative), and all of schemathesis's checks run on each answer: no 5xx, every
status and body as the document declares them, valid data accepted (a 403 for a
role that may not, a 404 for a case it may not see), invalid data refused.
About half of the examples aim at the one filed case, so that bodies get
validated and published. A failure names the operation, the role and the
request that broke it.

A request generator knows only the schema; a few rules no JSON Schema can state
are the client's to keep, and the generated requests are made to keep them
(:func:`as_a_client_would`): a fresh Idempotency-Key per request (a reused one
for another body is refused 422, tested in test_api_idempotency), dates in their
order, a report range of at most a year, and only cursors the API handed out.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import APIOperation, GenerationMode
from schemathesis.config import SchemathesisConfig

from api_support import (
    ROLE_PRINCIPALS,
    app_with_a_case,
    token_for,
)
from complaint_events.api.routes_queries import MAX_SLA_DAYS

pytestmark = pytest.mark.integration

# The consumer and merchant of the filed case, and one principal of every other role.
CALLERS = (
    "adapter:web",
    "consumer:c-1",
    "merchant:m-1",
    *(ROLE_PRINCIPALS[role] for role in ("handler", "auditor")),
)
EXAMPLES = {GenerationMode.POSITIVE: 8, GenerationMode.NEGATIVE: 4}
PROBE = 2
"""Valid requests that first tell whether the caller may call the operation at all: one
only ever refused (403) is not fuzzed further."""
# All checks as schemathesis ships them, with one addition: a body over the API's
# limit is refused 413 before it is read, which schemathesis's list of rejections
# for invalid data leaves out (a generated invalid body can be that large).
CONFIG = SchemathesisConfig.from_str(
    """
[checks.negative_data_rejection]
expected-statuses = [
  "400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"
]
"""
)


@pytest.fixture(scope="module")
def api_app(postgres_admin_dsn: str, kafka_bootstrap: str) -> Iterator[tuple[FastAPI, UUID]]:
    with app_with_a_case(postgres_admin_dsn, kafka_bootstrap) as app_and_case:
        yield app_and_case


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def as_a_client_would(case: schemathesis.Case) -> None:
    """Keep the rules the schema cannot state."""
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers = {**case.headers, "Idempotency-Key": f"k-{uuid4()}"}
    query = dict(case.query or {})
    query.pop("cursor", None)
    case.query = query
    start, end = _day(query.get("from")), _day(query.get("to"))
    if start and end:
        assume(start <= end and (end - start).days < MAX_SLA_DAYS)
    if isinstance(case.body, dict):
        received = _day(case.body.get("received_at"))
        bought, delivered = (
            _day(case.body.get("purchase_date")),
            _day(case.body.get("delivered_on")),
        )
        assume(not (received and bought) or bought <= received)
        assume(not (received and delivered) or delivered <= received)
        assume(not (bought and delivered) or bought <= delivered)


def schema_as(app: FastAPI, caller: str) -> schemathesis.BaseSchema:
    """The served document, with ``caller``'s token as its bearer credentials.

    Given as schemathesis's auth (not as a header of each call), so that it knows
    the credentials are valid, and still sends invalid ones when it tests that
    the API refuses them."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=CONFIG)

    @schema.auth()
    class CallerToken:
        def get(self, case: schemathesis.Case, context: Any) -> str:
            return token_for(caller)

        def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return schema


def fuzz(operation: APIOperation, mode: GenerationMode, case_id: UUID, examples: int) -> set[int]:
    """Call ``operation`` with ``examples`` generated requests; run every check; the
    statuses it answered."""
    statuses: set[int] = set()

    @given(case=operation.as_strategy(generation_mode=mode), on_the_real_case=st.booleans())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    def behaves_as_documented(case: schemathesis.Case, on_the_real_case: bool) -> None:
        if on_the_real_case and "case_id" in (case.path_parameters or {}):
            case.path_parameters = {**(case.path_parameters or {}), "case_id": str(case_id)}
        as_a_client_would(case)
        statuses.add(case.call_and_validate().status_code)

    try:
        behaves_as_documented()
    except Unsatisfiable:
        # Nothing to get wrong: an operation without parameters or body has no
        # negative requests (GET /healthz).
        assert mode is GenerationMode.NEGATIVE, operation.path
    return statuses


def _described(failure: BaseException) -> str:
    """A failure with what schemathesis found in it: each check and its request."""
    parts = [str(failure), *(_described(inner) for inner in getattr(failure, "exceptions", ()))]
    return "\n".join(parts)[:3000]


@pytest.mark.parametrize("caller", CALLERS)
def test_every_operation_behaves_as_documented_for(
    caller: str, api_app: tuple[FastAPI, UUID]
) -> None:
    # Hypothesis runs per operation (the schema needs the stack, so it is loaded by a
    # fixture rather than at import time, as @schema.parametrize() would need): a probe of
    # a few valid requests, then the valid and invalid runs; an operation the caller is
    # only ever refused (403) is not fuzzed further.
    app, case_id = api_app
    schema = schema_as(app, caller)
    failures: list[str] = []

    def run(operation: APIOperation, mode: GenerationMode, examples: int) -> set[int] | None:
        try:
            return fuzz(operation, mode, case_id, examples)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - all reported
            where = f"{operation.method.upper()} {operation.path} ({mode.value})"
            failures.append(f"{where}: {_described(failure)}")
            return None

    for result in schema.get_all_operations():
        operation = result.ok()
        if run(operation, GenerationMode.POSITIVE, PROBE) == {403}:
            continue  # not the caller's to call: further requests would only meet the 403
        for mode, examples in EXAMPLES.items():
            run(operation, mode, examples)
    assert not failures, f"as {caller}:\n" + "\n\n".join(failures)
