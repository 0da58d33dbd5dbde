"""``/docs`` and ``/redoc`` work offline, and ``/docs`` has an Authorize button.

The pages may name no other host: every script, style sheet and icon they load
is served by the app itself, with the content type a browser needs to use it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api_support import api_tokens, client_for
from complaint_events.api.app import create_app
from complaint_events.settings import Settings

CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    folder: Path = tmp_path_factory.mktemp("docs")
    return create_app(
        Settings(store="sqlite", sqlite_path=folder / "events.sqlite"), tokens=api_tokens()
    )


@pytest.fixture(scope="module")
def document(app: FastAPI) -> dict[str, Any]:
    answer = client_for(app, None).get("/openapi.json")
    assert answer.status_code == 200
    found: dict[str, Any] = answer.json()
    return found


def assets_of(page: str) -> list[str]:
    """The URLs a page loads: scripts, style sheets and icons."""
    return re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_names_no_other_host(app: FastAPI, page: str) -> None:
    answer = client_for(app, None).get(page)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert "http://" not in answer.text
    assert "https://" not in answer.text
    assets = assets_of(answer.text)
    assert len(assets) >= 2, assets
    assert all(url.startswith("/") and not url.startswith("//") for url in assets), assets


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_asset_of_the_page_is_served_with_its_type(app: FastAPI, page: str) -> None:
    client = client_for(app, None)
    for url in assets_of(client.get(page).text):
        answer = client.get(url)
        assert answer.status_code == 200, url
        expected = CONTENT_TYPES[Path(url).suffix]
        assert expected in answer.headers["content-type"], (url, answer.headers["content-type"])
        assert len(answer.content) > 0, url


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_reads_the_apps_own_document(app: FastAPI, page: str) -> None:
    text = client_for(app, None).get(page).text

    assert "'/openapi.json'" in text or '"/openapi.json"' in text


def test_swagger_ui_sends_the_document_to_no_validator(app: FastAPI) -> None:
    assert '"validatorUrl": null' in client_for(app, None).get("/docs").text


def test_a_proxy_prefix_is_kept_in_the_asset_urls(app: FastAPI) -> None:
    text = TestClient(app, root_path="/complaints").get("/docs").text

    assert all(url.startswith("/complaints/") for url in assets_of(text)), assets_of(text)
    assert "/complaints/openapi.json" in text


def test_the_pages_are_not_operations_of_the_document(document: dict[str, Any]) -> None:
    assert not {"/docs", "/redoc"} & set(document["paths"])
    assert not any(path.startswith("/docs-assets") for path in document["paths"])


def test_the_document_declares_the_bearer_scheme(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]

    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/v1/complaints"),
        ("get", "/v1/cases/{case_id}"),
        ("post", "/v1/cases/{case_id}/close"),
    ],
)
def test_a_protected_route_lists_the_scheme(
    document: dict[str, Any], method: str, path: str
) -> None:
    assert {"bearer": []} in document["paths"][path][method]["security"]


def test_healthz_asks_for_no_token(app: FastAPI, document: dict[str, Any]) -> None:
    assert "security" not in document["paths"]["/healthz"]["get"]
    assert client_for(app, None).get("/healthz").status_code == 200


def test_a_request_without_a_token_is_refused_as_before(app: FastAPI) -> None:
    answer = client_for(app, None).get("/v1/commands/00000000-0000-0000-0000-000000000001")

    assert answer.status_code == 401
    assert answer.json() == {"detail": "a valid bearer token is required"}
    assert answer.headers["www-authenticate"] == "Bearer"
