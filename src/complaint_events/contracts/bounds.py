"""The bounds every text and list on the wire keeps, written once (docs/contracts.md).

Whatever a caller sends must fit in a row, an event and a Kafka record, and must
not cost a reader more than a bounded amount of work.  Every text field of the
intake and command contracts is one of the types below, so its maximum length
and its refusal of the NUL character (U+0000, which PostgreSQL text cannot hold)
appear in the published JSON Schema as ``maxLength`` and ``pattern``, and the
code refuses exactly what the schema refuses.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, Final
from uuid import UUID

from pydantic import AwareDatetime, BeforeValidator, Field, Strict, WithJsonSchema

from complaint_events.domain.text import WHITE_SPACE, is_blank

NO_NUL_PATTERN: Final = r"^[^\x00]*$"
"""Any text without U+0000; the same pattern in the code and in the schemas."""

# Unicode's White_Space spelled out (domain/text.py): engines disagree on \s.
_WHITE_CLASS: Final = WHITE_SPACE.encode("unicode_escape").decode("ascii")

NON_BLANK_PATTERN: Final = rf"^[{_WHITE_CLASS}]*[^{_WHITE_CLASS}\x00][^\x00]*$"
"""A text that says something: one character that is not white space, and no U+0000.

Texts are taken as sent (not trimmed), so that the schema's ``maxLength`` and
this pattern mean for a producer exactly what they mean to the code.  Written so
that the regex engine never backtracks more than once over the text."""

SHORT_TEXT_MAX: Final = 200
"""Ids, references, names, queues, rule references."""
LONG_TEXT_MAX: Final = 5000
"""What people write: descriptions, explanations, reasoning, notes, comments."""
URI_MAX: Final = 2000
"""A pointer to a file kept elsewhere (evidence, reports)."""
LIST_MAX: Final = 50
"""Items of any list: evidence, requested items, rule references, grounds."""

NUL_REFUSED: Final = "text fields cannot contain the NUL character (U+0000)"


def _text_schema(*, required: bool, max_length: int) -> WithJsonSchema:
    """The schema of a text: its bound and its pattern."""
    schema: dict[str, Any] = {
        "type": "string",
        "maxLength": max_length,
        "pattern": NON_BLANK_PATTERN if required else NO_NUL_PATTERN,
    }
    if required:
        schema["minLength"] = 1
    return WithJsonSchema(schema)


def _no_nul(value: object) -> object:
    if isinstance(value, str) and "\x00" in value:
        raise ValueError(NUL_REFUSED)
    return value


def _says_something(value: object) -> object:
    # The code's reading of NON_BLANK_PATTERN, with a message people understand.
    if isinstance(value, str) and is_blank(value):
        raise ValueError("must say something: it is empty or only white space")
    return _no_nul(value)


ShortText = Annotated[
    str,
    Field(max_length=SHORT_TEXT_MAX),
    BeforeValidator(_says_something),
    _text_schema(required=True, max_length=SHORT_TEXT_MAX),
]
"""A required short text: not blank, at most 200 characters."""

LongText = Annotated[
    str,
    Field(max_length=LONG_TEXT_MAX),
    BeforeValidator(_says_something),
    _text_schema(required=True, max_length=LONG_TEXT_MAX),
]
"""A required text people write: not blank, at most 5,000 characters."""

Note = Annotated[
    str,
    Field(max_length=LONG_TEXT_MAX),
    BeforeValidator(_no_nul),
    _text_schema(required=False, max_length=LONG_TEXT_MAX),
]
"""An optional text people write (may be empty), at most 5,000 characters."""

Uri = Annotated[
    str,
    Field(max_length=URI_MAX),
    BeforeValidator(_says_something),
    _text_schema(required=True, max_length=URI_MAX),
]
"""Where a file is kept, at most 2,000 characters."""


def holds_nul(value: object) -> bool:
    """Whether any text in a decoded JSON value (keys included) holds U+0000."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(holds_nul(v) for v in value)
    return False


def refuse_nul(data: object) -> object:
    """A ``model_validator(mode="before")`` body: one clear error for any NUL anywhere."""
    if holds_nul(data):
        raise ValueError(NUL_REFUSED)
    return data


# ------------------------------------------------------------ times, dates

_RFC3339: Final = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$"
_ISO_DATE: Final = r"^\d{4}-\d{2}-\d{2}$"


def _only_text_matching(pattern: str, what: str, *python_types: type) -> Callable[[object], object]:
    compiled = re.compile(pattern)
    accepted = python_types or (datetime, date)

    def check(value: object) -> object:
        # Python callers hand over datetime/date/UUID objects; on the wire only
        # the text the schema describes is taken (pydantic alone would read a
        # number as seconds since 1970, so -1 became 1969-12-31).
        if isinstance(value, accepted):
            return value
        if isinstance(value, str) and compiled.fullmatch(value):
            return value
        raise ValueError(f"{what}, not {value!r}")

    return check


Timestamp = Annotated[
    AwareDatetime,
    BeforeValidator(
        _only_text_matching(
            _RFC3339,
            "a timestamp must be an RFC 3339 text with its offset, e.g. "
            "'2026-03-01T08:00:00+08:00'",
        )
    ),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": _RFC3339}),
]
"""A moment with its UTC offset: a datetime in Python, an RFC 3339 text on the wire."""

CalendarDate = Annotated[
    date,
    BeforeValidator(_only_text_matching(_ISO_DATE, "a date must be a text 'YYYY-MM-DD'")),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _ISO_DATE}),
]
"""A calendar day: a date in Python, 'YYYY-MM-DD' on the wire."""


# ------------------------------------------------- numbers, flags, ids

Flag = Annotated[bool, Strict()]
"""true or false; not "true", 1 or "yes" (pydantic alone would take those)."""


def _json_number(kind: str) -> Callable[[object], object]:
    # JSON Schema's integer and number: not a boolean, not a text of digits.
    def check(value: object) -> object:
        if isinstance(value, bool | str):
            raise ValueError(f"{kind} is expected, not {value!r}")  # noqa: TRY004
        return value

    return check


WholeNumber = Annotated[int, BeforeValidator(_json_number("a whole number"))]
"""An integer as JSON writes one (5 or 5.0), not true or "5"."""

Number = Annotated[float, BeforeValidator(_json_number("a number"))]
"""A number as JSON writes one (7 or 1.5), not true or "1.5"."""

_UUID: Final = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"

CanonicalUuid = Annotated[
    UUID,
    BeforeValidator(
        _only_text_matching(
            _UUID,
            "an id must be a UUID in its usual form, e.g. '123e4567-e89b-12d3-a456-426614174000'",
            UUID,
        )
    ),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": _UUID}),
]
"""A UUID: a UUID in Python, its hyphenated text on the wire."""
