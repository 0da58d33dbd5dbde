"""Every case command a person performs has an HTTP route; the others say whose they are.

The list of commands is the contracts' registry, not a copy: a new command
without a route (or a stated reason to be a processor's only) fails here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI

from api_support import api_tokens, client_for
from complaint_events.api.actions import COMMAND_EXTENSION
from complaint_events.api.app import create_app
from complaint_events.contracts.commands import COMMAND_PAYLOADS, ISSUED_BY_PROCESSORS
from complaint_events.settings import Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    folder: Path = tmp_path_factory.mktemp("routes")
    return create_app(
        Settings(store="sqlite", sqlite_path=folder / "events.sqlite"), tokens=api_tokens()
    )


def command_routes(app: FastAPI) -> dict[str, list[str]]:
    """Command type -> the paths that publish it, read from the OpenAPI document."""
    routes: dict[str, list[str]] = {}
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            command = operation.get(COMMAND_EXTENSION)
            if command is not None:
                assert method == "post", f"{path}: a command is published by POST"
                routes.setdefault(command, []).append(path)
    return routes


def test_every_command_has_a_route_or_a_reason_to_have_none(app: FastAPI) -> None:
    routes = command_routes(app)
    missing = sorted(set(COMMAND_PAYLOADS) - set(routes) - set(ISSUED_BY_PROCESSORS))
    assert not missing, f"commands with neither a route nor a processor: {missing}"
    both = sorted(set(routes) & set(ISSUED_BY_PROCESSORS))
    assert not both, f"commands said to be processor-only but routed: {both}"
    unknown = sorted((set(routes) | set(ISSUED_BY_PROCESSORS)) - set(COMMAND_PAYLOADS))
    assert not unknown, f"routes or reasons for commands that do not exist: {unknown}"
    assert all(reason.strip() for reason in ISSUED_BY_PROCESSORS.values())


def test_the_steps_the_issue_named_are_reachable(app: FastAPI) -> None:
    routes = command_routes(app)
    for command in (
        "decide_appeal",
        "execute_remedy",
        "receive_return",
        "record_penalty",
        "assign",
        "refer_to_authority",
    ):
        assert command in routes, command


ROLE_OF: dict[str, set[str]] = {
    "handler": {
        "assign", "request_information", "schedule_callback", "request_merchant_evidence",
        "order_spot_check", "record_spot_check_result", "assess_evidence",
        "determine_liability", "offer_remedy", "close", "reopen", "escalate",
        "decide_appeal", "record_penalty", "refer_to_authority", "receive_return",
        "execute_remedy",
    },
    "merchant": {"submit_merchant_evidence", "receive_return", "execute_remedy"},
    "consumer": {
        "supply_information", "accept_remedy", "reject_remedy", "file_appeal",
        "record_satisfaction",
    },
    "auditor": set(),
    "adapter": set(),
}  # fmt: skip
"""Who performs each routed command in practice; an auditor reads only."""


def _attempt(app: FastAPI, who: str, path: str) -> int:
    body: dict[str, Any] = {}
    return client_for(app, who).post(path.replace("{case_id}", str(uuid4())), json=body).status_code


@pytest.mark.parametrize("role", sorted(ROLE_OF))
def test_each_command_route_admits_the_roles_that_perform_it(app: FastAPI, role: str) -> None:
    """A role outside the step is refused 403 before anything else is read; a role of the
    step gets past authorisation (its empty body or unknown case then answers 404/422)."""
    for command, paths in command_routes(app).items():
        for path in paths:
            status = _attempt(app, role, path)
            if command in ROLE_OF[role]:
                assert status in (404, 422), (role, path, status)
            else:
                assert status == 403, (role, path, status)
