"""Dead letters: messages a processor could not process, kept with the reason.

A dead letter's value is the original message's bytes, unchanged, and its key
the original key, so an operator can fix the cause and replay it as it was.
Why it failed and where it came from travel in ``dlq_*`` headers (the same idea
as Kafka Connect's dead-letter context headers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from pydantic import ValidationError

HEADER_REASON: Final = "dlq_reason"
HEADER_ERRORS: Final = "dlq_errors"
HEADER_PROCESSOR: Final = "dlq_processor"
HEADER_SOURCE_TOPIC: Final = "dlq_source_topic"
HEADER_SOURCE_PARTITION: Final = "dlq_source_partition"
HEADER_SOURCE_OFFSET: Final = "dlq_source_offset"
HEADER_FAILED_AT: Final = "dlq_failed_at"


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """One message that could not be processed, and why."""

    key: bytes | None
    value: bytes
    reason: str
    processor: str
    failed_at: datetime
    errors: tuple[dict[str, str], ...] = ()
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    original_headers: tuple[tuple[str, bytes], ...] = field(default=())

    def headers(self) -> list[tuple[str, bytes]]:
        """The original headers followed by the dead-letter context."""
        context = [
            (HEADER_REASON, self.reason.encode("utf-8")),
            (HEADER_ERRORS, json.dumps(list(self.errors), ensure_ascii=False).encode("utf-8")),
            (HEADER_PROCESSOR, self.processor.encode("utf-8")),
            (HEADER_FAILED_AT, self.failed_at.isoformat().encode("ascii")),
        ]
        if self.source_topic is not None:
            context.append((HEADER_SOURCE_TOPIC, self.source_topic.encode("utf-8")))
        if self.source_partition is not None:
            context.append((HEADER_SOURCE_PARTITION, str(self.source_partition).encode("ascii")))
        if self.source_offset is not None:
            context.append((HEADER_SOURCE_OFFSET, str(self.source_offset).encode("ascii")))
        return [*self.original_headers, *context]


def field_errors(error: ValidationError) -> tuple[dict[str, str], ...]:
    """Field-level messages of a validation error: where, what, and the problem."""
    return tuple(
        {
            "field": ".".join(str(part) for part in item["loc"]) or "(message)",
            "type": item["type"],
            "message": item["msg"],
        }
        for item in error.errors(include_url=False, include_input=False)
    )


def read_context(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    """The ``dlq_*`` headers of a dead letter, decoded (for operators and tests)."""
    return {name: value.decode("utf-8") for name, value in headers or [] if name.startswith("dlq_")}
