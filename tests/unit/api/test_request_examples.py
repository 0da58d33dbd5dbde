"""The worked examples in the OpenAPI document are bodies the API accepts.

Each example parses with its contract model, the document carries it on its
operation, and the filing examples, posted by the caller they name, answer 202.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI

from api_support import api_tokens, client_for
from complaint_events.api.app import create_app
from complaint_events.api.request_examples import (
    EXAMPLES_BY_MODEL,
    FILING_EXAMPLES,
    LIABILITY_EXAMPLES,
    REMEDY_EXAMPLES,
)
from complaint_events.settings import Settings


class RecordingBus:
    """A bus that keeps what it is given (the filing is only published, never processed)."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes]] = []

    def publish(
        self, topic: str, key: bytes, value: bytes, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        self.published.append((topic, key))

    def close(self) -> None:
        pass


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    folder: Path = tmp_path_factory.mktemp("examples")
    return create_app(
        Settings(store="sqlite", sqlite_path=folder / "events.sqlite"),
        tokens=api_tokens("consumer:c-5107"),
        bus=RecordingBus(),
    )


@pytest.mark.parametrize(
    ("model", "name", "value"),
    [
        (model, name, example["value"])
        for model, examples in EXAMPLES_BY_MODEL
        for name, example in examples.items()
    ],
)
def test_every_example_is_a_valid_body(model: type[Any], name: str, value: Any) -> None:
    model.model_validate(value)


@pytest.mark.parametrize(
    ("path", "examples"),
    [
        ("/v1/complaints", FILING_EXAMPLES),
        ("/v1/cases/{case_id}/determine-liability", LIABILITY_EXAMPLES),
        ("/v1/cases/{case_id}/offer-remedy", REMEDY_EXAMPLES),
    ],
)
def test_the_document_shows_the_examples(app: FastAPI, path: str, examples: dict[str, Any]) -> None:
    document = client_for(app, None).get("/openapi.json").json()
    content = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]

    shown = {name: example["value"] for name, example in content["examples"].items()}
    assert shown == {name: example["value"] for name, example in examples.items()}


@pytest.mark.parametrize(
    ("name", "who"), [("web_form", "adapter:web"), ("consumer_in_app", "consumer:c-5107")]
)
def test_a_filing_example_is_accepted_from_the_caller_it_names(
    app: FastAPI, name: str, who: str
) -> None:
    answer = client_for(app, who).post(
        "/v1/complaints",
        json=FILING_EXAMPLES[name]["value"],
        headers={"Idempotency-Key": f"example-{name}"},
    )

    assert answer.status_code == 202, answer.text
