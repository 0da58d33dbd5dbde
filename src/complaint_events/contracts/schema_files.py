"""The JSON Schema files in ``schemas/``: generated from the contract models, checked in.

``generate`` writes one file per message and version; ``check`` is the build's
guard.  Break detection compares what the code generates now with the **last
released** schemas, kept in ``schemas/released/`` (docs/contracts.md, "Releasing
the schemas"), and with the committed working files. A released schema is what
consumers were given: deleting or regenerating the working files does not
change it, so editing a V1 model in a way an old consumer cannot read fails
``check`` however the working files were produced. ``generate`` refuses to write
a breaking change too, and the fix is a new V2 model. ``release`` copies the
working files into ``released/`` once they check clean.

Breaking (for a consumer of the committed schema): a property removed, a
property's type changed (its ``type`` / ``format`` / ``$ref`` target /
``anyOf`` alternatives / enum-ness), an enum member removed, a new required
property.  A new property is breaking too where the old schema closed the object
(``additionalProperties: false``): its consumers refuse what they do not know.
Compatible: a new optional property of an open object, a new enum member,
changed descriptions or titles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from pydantic import BaseModel

from complaint_events.contracts.commands import (
    ALL_COMMAND_MODELS,
    CommandEnvelopeV1,
    CommandResultV1,
)
from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.contracts.events import ALL_EVENT_MODELS
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.contracts.notifications import NotificationV1

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX: Final = "urn:complaint-events:schemas:"
REGENERATE: Final = "run `complaint-events schemas generate`"
RELEASED: Final = "released"
"""The folder, inside the schemas folder, of the last released schemas."""

Schema = dict[str, Any]


class BreakingSchemaChangeError(Exception):
    """The code's contract would break a committed schema of the same name and version."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            "refusing to overwrite committed schemas with breaking changes; keep the old "
            "model and add a new version (e.g. FooV2) instead:\n  " + "\n  ".join(problems)
        )
        self.problems = problems


@dataclass(frozen=True, slots=True)
class MessageSchema:
    """One message at one version, and where its schema file lives under ``schemas/``."""

    relative_path: str
    message_type: str
    version: int
    model: type[BaseModel]

    def render(self) -> Schema:
        schema = self.model.model_json_schema(mode="validation")
        schema["$schema"] = JSON_SCHEMA_DIALECT
        schema["$id"] = self.schema_id
        schema["x-message-type"] = self.message_type
        schema["x-schema-version"] = self.version
        if self.model is EventEnvelope:
            _payload_follows_its_type(schema, "event_type", "events/")
        elif self.model is CommandEnvelopeV1:
            _payload_follows_its_type(schema, "command_type", "commands/")
        return schema

    @property
    def schema_id(self) -> str:
        return ID_PREFIX + self.relative_path.removesuffix(".json")


def _payload_follows_its_type(schema: Schema, type_field: str, folder: str) -> None:
    """An envelope's payload is the message its type and version name: say so in the schema.

    The code checks the payload against the model registered for the envelope's
    type and version and refuses an unknown pair; the schema says the same with
    one alternative per (type, version), each referring to that message's schema
    by its ``$id``.
    """
    pairs = [
        m
        for m in messages()
        if m.relative_path.startswith(folder) and m.model not in _ENVELOPES_AND_RESULTS
    ]
    schema["allOf"] = [
        {
            "anyOf": [
                {
                    "properties": {
                        type_field: {"const": m.message_type},
                        "schema_version": {"const": m.version},
                        "payload": {"$ref": m.schema_id},
                    }
                }
                for m in sorted(pairs, key=lambda m: (m.message_type, m.version))
            ]
        }
    ]


def _stem(model: type[BaseModel], version: int) -> str:
    return model.__name__.removesuffix(f"V{version}")


def messages() -> list[MessageSchema]:
    """Every message the code defines, every version."""
    found = [
        MessageSchema(
            f"events/{m.event_type}.v{m.schema_version}.json", m.event_type, m.schema_version, m
        )
        for m in ALL_EVENT_MODELS
    ]
    found.append(MessageSchema("envelope/EventEnvelope.v1.json", "EventEnvelope", 1, EventEnvelope))
    found.append(MessageSchema("intake/IntakeMessage.v1.json", "IntakeMessage", 1, IntakeMessageV1))
    found.extend(
        MessageSchema(
            f"commands/{_stem(m, m.schema_version)}.v{m.schema_version}.json",
            m.command_type,
            m.schema_version,
            m,
        )
        for m in ALL_COMMAND_MODELS
    )
    found.append(
        MessageSchema("commands/CommandEnvelope.v1.json", "CommandEnvelope", 1, CommandEnvelopeV1)
    )
    found.append(
        MessageSchema("commands/CommandResult.v1.json", "CommandResult", 1, CommandResultV1)
    )
    found.append(
        MessageSchema("notifications/Notification.v1.json", "Notification", 1, NotificationV1)
    )
    return found


_ENVELOPES_AND_RESULTS: Final = (EventEnvelope, CommandEnvelopeV1, CommandResultV1)


def to_text(schema: Schema) -> str:
    """The file's content: sorted keys, indent 2, UTF-8 as is, trailing newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def released_dir(schemas_dir: Path) -> Path:
    """Where the last released schemas of ``schemas_dir`` are kept."""
    return schemas_dir / RELEASED


def generate(schemas_dir: Path, released: Path | None = None) -> list[Path]:
    """Write every schema file; raise BreakingSchemaChangeError (writing nothing) on a break
    of a committed or a released schema (``released``: default ``schemas_dir/released``)."""
    release = released if released is not None else released_dir(schemas_dir)
    planned: list[tuple[Path, str]] = []
    breaking: list[str] = []
    for message in messages():
        path = schemas_dir / message.relative_path
        schema = message.render()
        for before in (path, release / message.relative_path):
            committed = _load(before) if before.exists() else None
            if committed is not None:
                breaking.extend(f"{message.relative_path}: {p}" for p in compare(committed, schema))
        planned.append((path, to_text(schema)))
    if breaking:
        raise BreakingSchemaChangeError(sorted(set(breaking)))
    for path, text in planned:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return [path for path, _ in planned]


def check(schemas_dir: Path, released: Path | None = None) -> list[str]:
    """Everything wrong with the committed schemas; an empty list means the build may pass.

    Compared with the last release (``released``, default ``schemas_dir/released``):
    a released schema the code breaks or no longer has. Compared with the working
    files: one missing, stale, broken or left without a message in the code.
    """
    release = released if released is not None else released_dir(schemas_dir)
    problems: list[str] = []
    expected: set[Path] = set()
    if not release.is_dir():
        problems.append(
            f"no released schemas in {release}: run `complaint-events schemas release` "
            "once and commit them (docs/contracts.md)"
        )
    for message in messages():
        name = message.relative_path
        path = schemas_dir / name
        expected.add(path)
        schema = message.render()
        problems.extend(_breaks_of_release(release / name, message, schema))
        if not path.exists():
            problems.append(f"{name} is missing: {REGENERATE} and commit it")
            continue
        committed = _load(path)
        if committed is None:
            problems.append(f"{name} is not valid JSON: {REGENERATE}")
            continue
        breaks = compare(committed, schema)
        problems.extend(
            f"BREAKING {name}: {b} (an old consumer of v{message.version} would fail; "
            f"restore it or add a V{message.version + 1} model)"
            for b in breaks
        )
        if not breaks and path.read_text(encoding="utf-8") != to_text(schema):
            problems.append(f"{name} differs from the code: {REGENERATE}")
    if schemas_dir.is_dir():
        problems.extend(
            f"{path.relative_to(schemas_dir).as_posix()} has no message in the code: a "
            "published contract was removed; restore its model (old consumers still read it)"
            for path in sorted(schemas_dir.rglob("*.json"))
            if path not in expected and not path.is_relative_to(release)
        )
    if release.is_dir():
        known = {m.relative_path for m in messages()}
        problems.extend(
            f"released {path.relative_to(release).as_posix()} has no message in the code: a "
            "released contract was removed; restore its model (old consumers still read it)"
            for path in sorted(release.rglob("*.json"))
            if path.relative_to(release).as_posix() not in known
        )
    return problems


def _breaks_of_release(path: Path, message: MessageSchema, schema: Schema) -> list[str]:
    """How the code breaks the released schema of ``message`` (none if it was never released)."""
    released = _load(path) if path.exists() else None
    if released is None:
        return []
    return [
        f"BREAKING {message.relative_path} against its release: {b} (consumers of the "
        f"released v{message.version} would fail; restore it or add a "
        f"V{message.version + 1} model)"
        for b in compare(released, schema)
    ]


def release(schemas_dir: Path, released: Path | None = None) -> list[Path]:
    """Copy the working schema files into the release folder, once they check clean.

    Raises :class:`ReleaseRefusedError` with the problems :func:`check` finds (a
    working file out of date, or a break of the last release): a release is the
    code's schemas, and never breaks the one before.
    """
    target = released if released is not None else released_dir(schemas_dir)
    problems = [p for p in check(schemas_dir, target) if not p.startswith("no released schemas")]
    if problems:
        raise ReleaseRefusedError(problems)
    written: list[Path] = []
    for message in messages():
        source = schemas_dir / message.relative_path
        path = target / message.relative_path
        text = source.read_text(encoding="utf-8")
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


class ReleaseRefusedError(Exception):
    """The working schemas are not ready to be released: what :func:`check` found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("refusing to release: fix these first\n  " + "\n  ".join(problems))
        self.problems = problems


def _load(path: Path) -> Schema | None:
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None
    return loaded if isinstance(loaded, dict) else None


# ------------------------------------------------------------------ compare


def compare(old: Schema, new: Schema) -> list[str]:
    """Changes from ``old`` to ``new`` that would break a consumer of ``old`` (pure)."""
    problems: list[str] = []
    _Comparison(old, new, problems).node(old, new, "")
    return problems


@dataclass
class _Comparison:
    old_root: Schema
    new_root: Schema
    problems: list[str]

    def __post_init__(self) -> None:
        self._seen: set[tuple[int, int]] = set()

    def node(self, old: Schema, new: Schema, where: str) -> None:
        old, new = _resolve(old, self.old_root), _resolve(new, self.new_root)
        if (id(old), id(new)) in self._seen:
            return
        self._seen.add((id(old), id(new)))
        old_alts, new_alts = _alternatives(old, self.old_root), _alternatives(new, self.new_root)
        old_kinds, new_kinds = [_kind(a) for a in old_alts], [_kind(a) for a in new_alts]
        if sorted(old_kinds) != sorted(new_kinds):
            self.problems.append(
                f"{_label(where)} changed type from {_show(old_kinds)} to {_show(new_kinds)}"
            )
            return
        for old_alt in old_alts:
            new_alt = new_alts[new_kinds.index(_kind(old_alt))]
            self.single(old_alt, new_alt, where)

    def single(self, old: Schema, new: Schema, where: str) -> None:
        old_enum, new_enum = _enum(old), _enum(new)
        if old_enum is not None and new_enum is not None:
            removed = [m for m in old_enum if m not in new_enum]
            if removed:
                self.problems.append(
                    f"{_label(where)} lost enum member(s) {', '.join(map(repr, removed))}"
                )
        old_props: Schema = old.get("properties", {})
        new_props: Schema = new.get("properties", {})
        old_required = set(old.get("required", ()))
        for name in old_props:
            if name not in new_props:
                self.problems.append(f"property {_join(where, name)!r} was removed")
            else:
                self.node(old_props[name], new_props[name], _join(where, name))
        if old.get("additionalProperties") is False:
            self.problems.extend(
                f"property {_join(where, name)!r} was added to a closed object "
                "(additionalProperties: false), which its consumers refuse"
                for name in sorted(set(new_props) - set(old_props))
            )
        for name in sorted(set(new.get("required", ())) - old_required):
            self.problems.append(f"property {_join(where, name)!r} is newly required")
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.node(old["items"], new["items"], f"{where}[]")
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.node(old_extra, new_extra, f"{where}{{*}}")


def _resolve(schema: Schema, root: Schema) -> Schema:
    seen: set[str] = set()
    while isinstance(schema.get("$ref"), str) and schema["$ref"] not in seen:
        ref: str = schema["$ref"]
        seen.add(ref)
        if not ref.startswith("#/"):
            return schema
        target: Any = root
        for part in ref[2:].split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        schema = target if isinstance(target, dict) else {}
    return schema


def _alternatives(schema: Schema, root: Schema) -> list[Schema]:
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            return [_resolve(alt, root) for alt in schema[key] if isinstance(alt, dict)]
    return [schema]


def _enum(schema: Schema) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    return None


def _kind(schema: Schema) -> str:
    raw = schema.get("type", "any")
    kind = "|".join(sorted(raw)) if isinstance(raw, list) else str(raw)
    if "format" in schema:
        kind += f"({schema['format']})"
    if _enum(schema) is not None:
        kind = f"enum<{kind}>"
    return kind


def _show(kinds: list[str]) -> str:
    return " | ".join(kinds)


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


def _label(where: str) -> str:
    return f"property {where!r}" if where else "the message"
