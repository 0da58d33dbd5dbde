"""The intake processor's logic: validate intake messages and file them, many per transaction.

A message that does not match the intake contract is not lost: it becomes a
dead letter with its original bytes and field-level errors, and the rest of the
batch is filed. Duplicates (the same channel reference again, or the same order
and problem from another channel by the same consumer id, phone number or e-mail
address: docs/channels.md) open no second case; that is the case store's rule,
applied within the batch too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import ValidationError

from complaint_events.application.cases import ComplaintCases
from complaint_events.application.filing import FilingOutcome
from complaint_events.clock import Clock
from complaint_events.contracts.dead_letters import DeadLetter, field_errors
from complaint_events.contracts.intake import IntakeMessageV1
from complaint_events.domain.acting import Acting
from complaint_events.domain.complaint import ComplaintDetails
from complaint_events.domain.errors import ComplaintError
from complaint_events.processing.messages import Incoming, dead_letter

log = logging.getLogger(__name__)

PROCESSOR = "intake"


@dataclass
class IntakeBatchReport:
    """What one batch of intake messages came to."""

    filed: list[FilingOutcome] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    @property
    def opened(self) -> int:
        return sum(1 for o in self.filed if o.opened)

    @property
    def duplicates(self) -> int:
        return sum(1 for o in self.filed if not o.opened)


class IntakeProcessor:
    """Files batches of intake messages in the case store."""

    def __init__(self, cases: ComplaintCases, clock: Clock) -> None:
        self.cases = cases
        self.clock = clock

    def process(self, messages: Sequence[Incoming]) -> IntakeBatchReport:
        report = IntakeBatchReport()
        now = self.clock.now()
        valid: list[tuple[Incoming, ComplaintDetails, Acting]] = []
        for message in messages:
            try:
                intake = IntakeMessageV1.model_validate_json(message.value)
                details = intake.to_details()
            except ValidationError as error:
                report.dead_letters.append(
                    _dead_letter(
                        message,
                        f"not a valid intake message ({error.error_count()} problems)",
                        field_errors(error),
                        now,
                    )
                )
                continue
            except (ComplaintError, ValueError) as error:
                report.dead_letters.append(
                    _dead_letter(message, f"the complaint cannot be filed: {error}", (), now)
                )
                continue
            by = Acting(
                actor=_submitter(message) or f"adapter:{intake.channel.value}",
                at=now,
                correlation_id=f"{intake.channel.value}:{intake.channel_ref}",
            )
            valid.append((message, details, by))
        if not valid:
            return report
        try:
            report.filed.extend(self.cases.file_complaints([(d, b) for _, d, b in valid]))
        except (ComplaintError, ValueError):
            # One complaint the domain refuses must not hold back the others.
            log.warning("a batch of %d could not be filed together; filing one by one", len(valid))
            for message, details, by in valid:
                try:
                    report.filed.append(self.cases.file_complaint(details, by))
                except (ComplaintError, ValueError) as error:
                    report.dead_letters.append(
                        _dead_letter(message, f"the complaint cannot be filed: {error}", (), now)
                    )
        return report


SUBMITTED_BY_HEADER = "submitted_by"
"""Who sent the complaint to the API (``role:id``): the filing event's actor."""


def _submitter(message: Incoming) -> str | None:
    for name, value in message.headers:
        if name == SUBMITTED_BY_HEADER:
            actor = value.decode("utf-8", errors="replace")
            role, _, ident = actor.partition(":")
            if role in ("adapter", "consumer") and ident.strip() and len(actor) <= 200:
                return actor
    return None


def _dead_letter(
    message: Incoming, reason: str, errors: tuple[dict[str, str], ...], now: datetime
) -> DeadLetter:
    return dead_letter(message, reason=reason, processor=PROCESSOR, failed_at=now, errors=errors)
