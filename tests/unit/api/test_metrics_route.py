"""``GET /metrics`` on the API: Prometheus text, without a token, outside the OpenAPI document."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from api_support import api_tokens, client_for
from complaint_events.api.app import create_app
from complaint_events.settings import Settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    folder: Path = tmp_path_factory.mktemp("metrics")
    return create_app(
        Settings(store="sqlite", sqlite_path=folder / "events.sqlite"), tokens=api_tokens()
    )


def requests(route: str, method: str, status: str) -> float:
    labels = {"route": route, "method": method, "status": status}
    return REGISTRY.get_sample_value("complaints_http_requests_total", labels) or 0.0


def test_metrics_answer_prometheus_text_without_a_token(app: FastAPI) -> None:
    answer = client_for(app, None).get("/metrics")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain; version=")
    assert "# TYPE complaints_http_requests_total counter" in answer.text
    assert "# TYPE complaints_messages_out_total counter" in answer.text


def test_prometheus_gets_openmetrics_when_it_asks(app: FastAPI) -> None:
    answer = client_for(app, None).get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )

    assert answer.headers["content-type"].startswith("application/openmetrics-text")
    assert answer.text.endswith("# EOF\n")


def test_metrics_are_not_in_the_openapi_document(app: FastAPI) -> None:
    assert "/metrics" not in app.openapi()["paths"]


def test_requests_are_counted_by_route_template_not_by_path(app: FastAPI) -> None:
    route = "/v1/cases/{case_id}"
    before = requests(route, "GET", "401")

    client = client_for(app, None)
    for n in range(3):
        assert client.get(f"/v1/cases/00000000-0000-0000-0000-00000000000{n}").status_code == 401

    assert requests(route, "GET", "401") == before + 3
    page = client.get("/metrics").text
    assert "00000000-0000-0000-0000-000000000001" not in page


def test_a_request_no_route_takes_is_counted_as_unmatched(app: FastAPI) -> None:
    before = requests("unmatched", "GET", "404")
    assert client_for(app, None).get("/no/such/thing").status_code == 404
    assert requests("unmatched", "GET", "404") == before + 1
