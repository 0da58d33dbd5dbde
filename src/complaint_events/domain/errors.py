"""Named domain errors: every refused command says why in terms of the process."""

from __future__ import annotations


class ComplaintError(Exception):
    """Base class of every error the complaint domain raises on purpose."""

    code = "complaint_error"


class InvalidTransitionError(ComplaintError):
    """The step is not allowed from the case's current status."""

    code = "invalid_transition"

    def __init__(self, status: str, step: str) -> None:
        super().__init__(f"cannot {step} a case that is {status}")
        self.status = status
        self.step = step


class LiabilityNotDeterminedError(InvalidTransitionError):
    """A remedy was offered before liability was determined."""

    code = "liability_not_determined"

    def __init__(self, status: str, step: str) -> None:
        super().__init__(status, step)
        self.args = (f"cannot {step}: liability has not been determined (case is {status})",)


class AppealWindowClosedError(ComplaintError):
    """An appeal came after the appeal window (7 days after closure by default)."""

    code = "appeal_window_closed"


class WrongMerchantError(ComplaintError):
    """Someone other than the case's merchant tried to act as its merchant."""

    code = "wrong_merchant"


class WrongConsumerError(ComplaintError):
    """Someone other than the case's consumer tried to act as its consumer."""

    code = "wrong_consumer"


class NothingRequestedError(ComplaintError):
    """A reply arrived for something the case never asked for (or already received)."""

    code = "nothing_requested"


class InvalidCommandError(ComplaintError):
    """A command's own content is wrong (empty list, bad score, missing reason)."""

    code = "invalid_command"


class AlreadyAnsweredError(ComplaintError):
    """The consumer already answered the satisfaction survey of this closure."""

    code = "already_answered"


class TooMuchEvidenceError(InvalidCommandError):
    """A case holds at most a bounded number of evidence pointers."""

    code = "too_much_evidence"


class ReferenceTakenError(ComplaintError):
    """A channel reference already names another complaint (another consumer or order)."""

    code = "reference_taken"
