"""The command processor's logic: apply commands to cases, answer each with its outcome.

Commands arrive from the API and from other processors on
``complaints.commands.v1``. Each is validated against its contract, turned into
a call of a ``ComplaintCase`` method by its payload's typed handler, and applied; a batch is saved
in one transaction. Every command gets a :class:`CommandResultV1` (accepted
with its event ids, or rejected with the reason). A message that is not a
command at all goes to the dead-letter topic with the validation errors (and,
when it carries a usable command id, a rejection tells its sender why).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from complaint_events.adapters.command_results import CommandResults
from complaint_events.application.cases import ComplaintCases
from complaint_events.application.command_ledger import CaseCommand, CommandOutcome
from complaint_events.application.refusals import rejection_code
from complaint_events.clock import Clock
from complaint_events.contracts.commands import CommandEnvelopeV1, CommandResultV1
from complaint_events.contracts.dead_letters import DeadLetter, field_errors
from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.topology import COMMAND_RESULTS_TOPIC
from complaint_events.domain.acting import Acting
from complaint_events.domain.case import ComplaintCase
from complaint_events.domain.deadlines import DeadlinePolicy
from complaint_events.processing.command_handlers import Applying, Redactor, Sealer, apply
from complaint_events.processing.issuing import to_bytes
from complaint_events.processing.messages import Incoming, Outgoing, dead_letter

log = logging.getLogger(__name__)

PROCESSOR = "command-processor"


@dataclass
class CommandBatchReport:
    """What one batch of command messages came to."""

    results: list[CommandResultV1] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(1 for r in self.results if r.outcome == "accepted")

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.results if r.outcome == "rejected")

    def outgoing(self) -> list[Outgoing]:
        """The results, keyed by command id, for the results topic."""
        return [Outgoing(COMMAND_RESULTS_TOPIC, r.kafka_key(), to_bytes(r)) for r in self.results]


def case_call(
    command: CommandEnvelopeV1,
    by: Acting,
    policy: DeadlinePolicy,
    seal: Sealer | None = None,
    redact: Redactor | None = None,
) -> Callable[[ComplaintCase], object]:
    """The ``ComplaintCase`` call a command makes, through its payload's typed handler
    (:mod:`complaint_events.processing.command_handlers`).

    With ``seal``, texts people write reach the case sealed under the key of the
    case's consumer; with ``redact``, texts that justify a decision without the
    consumer's personal data."""
    payload = command.typed_payload()
    applying = Applying(by, policy, seal, redact)
    return lambda case: apply(case, payload, applying)


class CommandProcessor:
    """Applies batches of command messages to the case store."""

    def __init__(
        self, cases: ComplaintCases, clock: Clock, results: CommandResults | None = None
    ) -> None:
        self.cases = cases
        self.clock = clock
        # Where outcomes are also recorded for the HTTP API's status endpoint, if anywhere.
        self.results = results

    def process(self, messages: Sequence[Incoming]) -> CommandBatchReport:
        report = CommandBatchReport()
        commands: list[tuple[CommandEnvelopeV1, CaseCommand]] = []
        seen: set[UUID] = set()
        now = self.clock.now()
        for message in messages:
            try:
                command = CommandEnvelopeV1.model_validate_json(message.value)
            except ValidationError as error:
                report.dead_letters.append(
                    dead_letter(
                        message,
                        reason=f"not a valid command message ({error.error_count()} problems)",
                        errors=field_errors(error),
                        processor=PROCESSOR,
                        failed_at=now,
                    )
                )
                rejection = _rejection_for_unreadable(message.value, error, now)
                if rejection is not None:
                    report.results.append(rejection)
                continue
            if command.command_id in seen:
                continue  # the same command twice in one batch: one outcome is enough
            seen.add(command.command_id)
            by = Acting(
                actor=command.actor,
                at=now,
                correlation_id=command.correlation_id or str(command.command_id),
                causation_id=str(command.command_id),
                reason=command.reason,
            )
            call = case_call(
                command, by, self.cases.policy, self.cases.sealed_text, self.cases.redacted
            )
            commands.append((command, CaseCommand(str(command.command_id), command.case_id, call)))
        outcomes = self.cases.apply_commands([c for _, c in commands])
        for (command, _), outcome in zip(commands, outcomes, strict=True):
            report.results.append(_result(command, outcome, now))
        if self.results is not None:
            self.results.record(report.results)
        return report


def _result(command: CommandEnvelopeV1, outcome: CommandOutcome, now: Any) -> CommandResultV1:
    if outcome.error is None:
        return CommandResultV1(
            command_id=command.command_id,
            case_id=command.case_id,
            outcome="accepted",
            event_ids=[event_id_for(command.case_id, e.originator_version) for e in outcome.events],
            decided_at=now,
        )
    return CommandResultV1(
        command_id=command.command_id,
        case_id=command.case_id,
        outcome="rejected",
        reason=str(outcome.error),
        error_code=rejection_code(outcome.error),
        decided_at=now,
    )


def _rejection_for_unreadable(
    value: bytes, error: ValidationError, now: Any
) -> CommandResultV1 | None:
    """A rejection for a malformed command whose sender can still be told (ids readable)."""
    try:
        raw = json.loads(value)
        command_id, case_id = UUID(str(raw["command_id"])), UUID(str(raw["case_id"]))
    except (ValueError, KeyError, TypeError):
        return None
    problems = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}"
        for e in error.errors(include_url=False, include_input=False)
    )
    return CommandResultV1(
        command_id=command_id,
        case_id=case_id,
        outcome="rejected",
        reason=f"the command does not match its contract: {problems}",
        error_code="invalid_command",
        decided_at=now,
    )
