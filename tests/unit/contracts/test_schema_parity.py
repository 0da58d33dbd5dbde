"""One contract, two readers that agree (issue 13): the code and the published JSON Schema.

For every message of the contracts (intake, each command payload, each event
payload, the envelopes), hypothesis generates messages from the committed
schema file: mostly valid values, with tricky ones mixed in (numbers as text,
"1e5", -1 as a time, blank and NUL texts, bounds plus one, a missing required
field, an unknown one). The pydantic model (reading JSON, as every consumer
does) and the ``jsonschema`` package (with format checks, as a producer's
validator would) must accept exactly the same messages.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from pydantic import ValidationError
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from complaint_events.contracts.schema_files import MessageSchema, messages

SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"

# Values that made the two readers disagree before, or easily could.
TRICKY: list[Any] = [
    None, True, False, 0, -1, 1, 5, 5.0, 1.5, 10**20, "", " ", "   ", "\x00", "a\x00b",
    "5", "1e5", "-1", "01", "1.", ".5", "99.90", "NaN", "Infinity", "true",
    "2026-03-01", "2026-02-30", "2026-03-01T08:00:00", "2026-03-01T08:00:00Z",
    "2026-03-01 08:00:00+08:00", "2026-03-01T08:00:00.1234567+08:00", "2026-13-01T08:00:00Z",
    "00000000000000000000000000000000", "123e4567-e89b-12d3-a456-426614174000",
    "{123e4567-e89b-12d3-a456-426614174000}", [], {}, ["x"], {"x": 1},
    "handler:h-1", "nobody:x", "role:", "\u3000", "\x1c",
]  # fmt: skip


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


_TIMES = st.sampled_from(
    ["2026-03-01T08:00:00+08:00", "2026-03-01T00:00:00Z", "2026-12-31T23:59:59.5-05:00"]
)


def _valid(schema: dict[str, Any], root: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values the schema describes (mostly accepted: patterns and formats are approximated)."""
    schema = _resolve(schema, root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of(*[_valid(s, root, depth + 1) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*[_valid({**schema, "type": k}, root, depth) for k in kind])
    if kind == "object" or "properties" in schema:
        return _object(schema, root, depth)
    if kind == "array":
        items = _valid(schema.get("items", {}), root, depth + 1)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=3)
    if kind == "string":
        return _string(schema)
    if kind == "integer":
        low, high = schema.get("minimum", -5), schema.get("maximum", 10_000)
        return st.integers(min_value=low, max_value=high)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False, width=32)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    return st.sampled_from(["x", 1, None, {"n": 1}])


def _string(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    fmt = schema.get("format")
    if fmt == "date-time":
        return _TIMES
    if fmt == "date":
        return st.sampled_from(["2026-03-01", "2024-02-29"])
    if fmt == "uuid":
        return st.uuids().map(str)
    pattern = schema.get("pattern")
    low, high = schema.get("minLength", 0), min(schema.get("maxLength", 30), 30)
    if pattern and pattern not in (r"^[^\x00]*$",):
        return st.from_regex(pattern, fullmatch=True).filter(lambda s: low <= len(s) <= high)
    return st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=max(low, 1) if low else 0,
        max_size=max(high, low),
    ).filter(lambda s: not pattern or re.search(pattern, s))


def _object(schema: dict[str, Any], root: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    if depth > 4 or not properties:
        return st.just({})
    fields = {
        name: _value(spec, root, depth + 1, long=spec.get("maxLength"))
        for name, spec in properties.items()
    }
    optional = sorted(set(properties) - required)
    return st.fixed_dictionaries(
        {k: v for k, v in fields.items() if k in required},
        optional={k: fields[k] for k in optional},
    )


def _value(
    schema: dict[str, Any], root: dict[str, Any], depth: int, long: int | None
) -> st.SearchStrategy[Any]:
    """Mostly a valid value; sometimes a tricky one, or a text one past its bound."""
    tricky = [st.sampled_from(TRICKY)]
    if long is not None:
        tricky.append(st.sampled_from(["x" * long, "x" * (long + 1)]))
    return st.one_of(_valid(schema, root, depth), *tricky).filter(lambda _: True)


def _mutated(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Messages from the schema, sometimes with a required field dropped or one added."""
    base = _valid(schema, schema)

    @st.composite
    def mutate(draw: st.DrawFn) -> Any:
        message = draw(base)
        if not isinstance(message, dict):
            return message
        change = draw(st.sampled_from(["none", "none", "none", "drop", "add"]))
        if change == "drop" and message:
            message.pop(draw(st.sampled_from(sorted(message))))
        elif change == "add":
            message[draw(st.sampled_from(["surprise", "x"]))] = draw(st.sampled_from(TRICKY))
        return message

    return mutate()


def _published() -> Registry[Any]:
    """Every committed schema by its ``$id``: an envelope refers to its payloads' schemas."""
    resources = []
    for path in SCHEMAS.rglob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], DRAFT202012.create_resource(contents)))
    return Registry().with_resources(resources)


REGISTRY = _published()


def _cases() -> list[MessageSchema]:
    return messages()


@pytest.mark.parametrize("message", _cases(), ids=lambda m: m.relative_path)
def test_the_code_and_the_published_schema_accept_the_same_messages(
    message: MessageSchema,
) -> None:
    schema = json.loads((SCHEMAS / message.relative_path).read_text(encoding="utf-8"))
    validator = Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER, registry=REGISTRY
    )

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(_mutated(schema))
    def agree(candidate: Any) -> None:
        raw = json.dumps(candidate, ensure_ascii=False)
        try:
            message.model.model_validate_json(raw)
            code_accepts = True
        except ValidationError:
            code_accepts = False
        schema_errors = [e.message for e in validator.iter_errors(candidate)]
        assert code_accepts == (not schema_errors), (
            f"{message.relative_path}: the code {'accepts' if code_accepts else 'refuses'} "
            f"and the schema {'refuses' if schema_errors else 'accepts'} {raw[:500]}"
            + (f"\nschema: {schema_errors[:3]}" if schema_errors else "")
        )

    agree()
