"""Why the case store refused a command: the errors it answers with, and their codes.

A caller (the command processor, the API through it) is told each refusal as a
machine-readable code besides its reason; a refusal noted before is answered
again with the code it was given then.
"""

from __future__ import annotations

from uuid import UUID

from complaint_events.application.ports import Refusal
from complaint_events.domain.errors import ComplaintError


class CaseNotFoundError(LookupError):
    """No case has that id."""

    def __init__(self, case_id: UUID) -> None:
        super().__init__(f"no complaint case with id {case_id}")
        self.case_id = case_id


class RefusedBeforeError(Exception):
    """A command refused before, delivered again: the answer it was given the first time."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.reason)
        self.code = refusal.code


def rejection_code(error: Exception) -> str:
    """The machine-readable code of the reason a command was refused."""
    if isinstance(error, ComplaintError | RefusedBeforeError):
        return error.code
    if isinstance(error, CaseNotFoundError):
        return "case_not_found"
    return "invalid_command"
