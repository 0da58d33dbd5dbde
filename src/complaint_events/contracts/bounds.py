"""The bounds every text and list on the wire keeps, written once (docs/contracts.md).

Whatever a caller sends must fit in a row, an event and a Kafka record, and must
not cost a reader more than a bounded amount of work.  Every text field of the
intake and command contracts is one of the types below, so its maximum length
and its refusal of the NUL character (U+0000, which PostgreSQL text cannot hold)
appear in the published JSON Schema as ``maxLength`` and ``pattern``, and the
code refuses exactly what the schema refuses.
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from pydantic import Field

NO_NUL_PATTERN: Final = r"^[^\x00]*$"
"""Any text without U+0000; the same pattern in the code and in the schemas."""

SHORT_TEXT_MAX: Final = 200
"""Ids, references, names, queues, rule references."""
LONG_TEXT_MAX: Final = 5000
"""What people write: descriptions, explanations, reasoning, notes, comments."""
URI_MAX: Final = 2000
"""A pointer to a file kept elsewhere (evidence, reports)."""
LIST_MAX: Final = 50
"""Items of any list: evidence, requested items, rule references, grounds."""

NUL_REFUSED: Final = "text fields cannot contain the NUL character (U+0000)"


def _text(*, required: bool, max_length: int, **kwargs: Any) -> Any:
    if required:
        kwargs["min_length"] = 1
    return Field(max_length=max_length, pattern=NO_NUL_PATTERN, **kwargs)


ShortText = Annotated[str, _text(required=True, max_length=SHORT_TEXT_MAX)]
"""A required short text: not blank after trimming, at most 200 characters."""

LongText = Annotated[str, _text(required=True, max_length=LONG_TEXT_MAX)]
"""A required text people write: not blank, at most 5,000 characters."""

Note = Annotated[str, _text(required=False, max_length=LONG_TEXT_MAX)]
"""An optional text people write (may be empty), at most 5,000 characters."""

Uri = Annotated[str, _text(required=True, max_length=URI_MAX)]
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
