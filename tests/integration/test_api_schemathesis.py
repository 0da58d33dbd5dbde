"""Schemathesis against the served OpenAPI document: no request, however odd, is a 5xx.

The app runs on the real stack (its own database and topics); each operation is
called as the role it is for (a handler for the rest), and about half of the
examples aim at the one filed case so that bodies get validated and published.
Examples per operation are capped to keep the run under a minute.
A failure names the operation and the request that broke it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import APIOperation
from schemathesis.checks import not_a_server_error

from api_support import api_tokens, filed_complaint, open_case, stack_database, token_for
from complaint_events.adapters.kafka_topics import ensure_topics
from complaint_events.api.app import create_app
from complaint_events.clock import SimulatedClock
from complaint_events.settings import Settings

pytestmark = pytest.mark.integration

# Who calls each operation: the role it is for (so the body is validated and the command
# published), a handler for everything else.
CALLER = {
    "/v1/complaints": "adapter:web",
    "/v1/cases/{case_id}/submit-evidence": "merchant:m-1",
    **{
        f"/v1/cases/{{case_id}}/{action}": "consumer:c-1"
        for action in (
            "supply-information",
            "accept-remedy",
            "reject-remedy",
            "appeal",
            "satisfaction",
        )
    },
}


@pytest.fixture(scope="module")
def api_schema(
    postgres_admin_dsn: str, kafka_bootstrap: str
) -> Iterator[tuple[schemathesis.BaseSchema, UUID]]:
    with stack_database(postgres_admin_dsn) as dsn:
        stack = Settings(
            store="postgres",
            postgres_dsn=dsn,
            kafka_bootstrap=kafka_bootstrap,
            topic_prefix=f"t{uuid4().hex[:8]}.",
        )
        ensure_topics(stack)
        app = create_app(
            stack, clock=SimulatedClock(datetime(2026, 3, 1, 9, tzinfo=UTC)), tokens=api_tokens()
        )
        case_id = open_case(app, filed_complaint(1))
        yield schemathesis.openapi.from_asgi("/openapi.json", app), case_id
        app.state.bus.close()
        app.state.db.close()


def fuzz(operation: APIOperation, headers: dict[str, str], case_id: UUID) -> None:
    """Call ``operation`` with generated requests as ``headers``' caller; fail on a 5xx."""

    @given(case=operation.as_strategy(), on_the_real_case=st.booleans())
    @settings(
        max_examples=20,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def no_server_error(case: schemathesis.Case, on_the_real_case: bool) -> None:
        if on_the_real_case and "case_id" in (case.path_parameters or {}):
            case.path_parameters = {**(case.path_parameters or {}), "case_id": str(case_id)}
        case.call_and_validate(headers=headers, checks=[not_a_server_error])

    no_server_error()


def test_no_server_error(api_schema: tuple[schemathesis.BaseSchema, UUID]) -> None:
    # One hypothesis run per operation (the schema needs the stack, so it is loaded by a
    # fixture rather than at import time, as @schema.parametrize() would need).
    schema, case_id = api_schema
    for result in schema.get_all_operations():
        operation = result.ok()
        caller = CALLER.get(operation.path, "handler:h-7")
        fuzz(operation, {"Authorization": f"Bearer {token_for(caller)}"}, case_id)
