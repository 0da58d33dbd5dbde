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

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
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


def _valid(
    schema: dict[str, Any], root: dict[str, Any], depth: int = 0, *, tricky: bool = True
) -> st.SearchStrategy[Any]:
    """Values the schema describes (mostly accepted: patterns and formats are approximated).

    With ``tricky``, a field sometimes holds a tricky value instead."""
    schema = _resolve(schema, root)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of(*[_valid(s, root, depth + 1, tricky=tricky) for s in schema[key]])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*[_valid({**schema, "type": k}, root, depth, tricky=tricky) for k in kind])
    if kind == "object" or "properties" in schema:
        return _object(schema, root, depth, tricky=tricky)
    if kind == "array":
        items = _valid(schema.get("items", {}), root, depth + 1, tricky=tricky)
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


def _object(
    schema: dict[str, Any], root: dict[str, Any], depth: int, *, tricky: bool
) -> st.SearchStrategy[Any]:
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    if depth > 4 or not properties:
        return st.just({})
    fields = {
        name: _value(spec, root, depth + 1, long=spec.get("maxLength"))
        if tricky
        else _valid(spec, root, depth + 1, tricky=False)
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
        # A copy: strategies hand out shared objects (st.just({})), which must not change.
        message = copy.deepcopy(draw(base))
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


def _code_accepts(message: MessageSchema, candidate: Any) -> bool:
    """Whether the pydantic contract takes ``candidate``, read from JSON as consumers do."""
    try:
        message.model.model_validate_json(json.dumps(candidate, ensure_ascii=False))
    except ValidationError:
        return False
    return True


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
        code_accepts = _code_accepts(message, candidate)
        schema_errors = [e.message for e in validator.iter_errors(candidate)]
        assert code_accepts == (not schema_errors), (
            f"{message.relative_path}: the code {'accepts' if code_accepts else 'refuses'} "
            f"and the schema {'refuses' if schema_errors else 'accepts'} {raw[:500]}"
            + (f"\nschema: {schema_errors[:3]}" if schema_errors else "")
        )

    agree()


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a message a value sits: object fields and list items, nested."""
    if isinstance(value, dict):
        inner = [p for key, item in value.items() for p in _paths(item, (*path, key))]
    elif isinstance(value, list):
        inner = [p for i, item in enumerate(value) for p in _paths(item, (*path, i))]
    else:
        inner = []
    return [path, *inner] if path else inner


def _baseline(schema: dict[str, Any]) -> Any:
    """One valid message, the same every run: generated without shrinking, derandomized.

    An envelope's payload is chosen by its type; the generator does not follow
    that rule, so the first branch's type and a valid payload of it are put in."""
    plain = {k: v for k, v in schema.items() if k not in ("allOf", "if", "then", "else")}
    message = _first(plain, plain)
    _fill_lists(message, plain, plain)
    for rule in schema.get("allOf", ()):
        for name, spec in rule["anyOf"][0]["properties"].items():
            if "const" in spec:
                message[name] = spec["const"]
            else:
                message[name] = _baseline(REGISTRY.contents(spec["$ref"]))
    return message


def _first(schema: dict[str, Any], root: dict[str, Any]) -> Any:
    validator = Draft202012Validator(
        {**schema, "$defs": root.get("$defs", {})},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
        registry=REGISTRY,
    )
    return find(
        _valid(schema, root, tricky=False),
        lambda m: not any(validator.iter_errors(m)),
        settings=settings(
            database=None, max_examples=2_000, derandomize=True, phases=[Phase.generate]
        ),
    )


def _fill_lists(message: Any, schema: dict[str, Any], root: dict[str, Any]) -> None:
    """Put one valid item in each empty list, so that items are tried too."""
    schema = _resolve(schema, root)
    if isinstance(message, dict):
        for name, spec in schema.get("properties", {}).items():
            if name in message:
                _fill_lists(message[name], spec, root)
    elif isinstance(message, list):
        items = schema.get("items")
        if isinstance(items, dict) and not message and schema.get("maxItems", 1) > 0:
            message.append(_first(items, root))
        for item in message:
            _fill_lists(item, items or {}, root)


def _replaced(message: Any, path: tuple[Any, ...], value: Any) -> Any:
    changed = copy.deepcopy(message)
    target = changed
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return changed


@pytest.mark.parametrize("message", _cases(), ids=lambda m: m.relative_path)
def test_every_field_of_a_valid_message_refuses_what_the_schema_refuses(
    message: MessageSchema,
) -> None:
    """Not left to chance: each tricky value in each place of one valid message.

    The random test above found ``true`` accepted as a number by the code
    (pydantic reads a boolean as 1.0) in one CI run out of many; this sweep
    tries every place with every tricky value, every run.
    """
    schema = json.loads((SCHEMAS / message.relative_path).read_text(encoding="utf-8"))
    validator = Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER, registry=REGISTRY
    )
    baseline = _baseline(schema)
    assert not any(validator.iter_errors(baseline)), baseline
    disagreements = []
    for path in _paths(baseline):
        for value in TRICKY:
            candidate = _replaced(baseline, path, value)
            code_accepts = _code_accepts(message, candidate)
            schema_accepts = not any(validator.iter_errors(candidate))
            if code_accepts != schema_accepts:
                where = "/".join(map(str, path))
                disagreements.append(
                    f"{where} = {value!r}: code {'accepts' if code_accepts else 'refuses'}, "
                    f"schema {'accepts' if schema_accepts else 'refuses'}"
                )
    assert not disagreements, f"{message.relative_path}:\n" + "\n".join(disagreements)
