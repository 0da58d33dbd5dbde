"""A case's clocks folded from its events: one function for the keeper, read models and report.

A deadline's times are stored in the event that starts it (docs/deadlines.md),
so the clocks can be followed from the events alone,
without replaying the case: the deadline keeper keeps its pending deadlines
this way (:mod:`complaint_events.adapters.pending_deadlines`), and so do the
case summary and SLA read models. The rules of the aggregate
(:mod:`complaint_events.domain.case`) are restated here as data that a reader
can check against it:

* :data:`DEADLINE_RULES` — which event ends (or pauses) which running clock;
* clocks start from the ``deadline`` record an event carries (``ComplaintFiled``:
  ``acknowledgement_deadline``), resume with the times in a spot-check result's
  ``resumed``, expire or are reminded by the ``deadline_id`` their event names.

A clock is the aggregate's own value,
:class:`~complaint_events.domain.deadlines.Deadline`, and it changes by the
aggregate's own steps (``finish``, ``pause``, ``resume``); its JSON form, in
the events and in the read models' jsonb, is
:mod:`complaint_events.processing.deadline_json`. The analytics report
(:mod:`complaint_events.analytics.daily_report`) follows its clocks with this fold too.

``tests/unit/projections/test_case_summary_matches_domain.py`` folds random
valid histories and checks the result against the aggregate itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Final

from complaint_events.contracts.envelope import EventEnvelope
from complaint_events.domain.deadlines import Deadline, DeadlineState
from complaint_events.domain.values import DeadlineKind
from complaint_events.processing.deadline_json import (
    deadline_from_json,
    parse_optional_time,
    parse_time,
)

K = DeadlineKind
D = DeadlineState

DEADLINE_RULES: Final[Mapping[str, tuple[DeadlineKind | None, DeadlineState]]] = MappingProxyType(
    {
        # event type: (kind of the running clock it ends, new state); kind None: every
        # running clock, or for PAUSED every open one (a paused clock keeps its pause)
        "AcknowledgementSent": (K.ACKNOWLEDGEMENT, D.MET),
        "InformationRequested": (K.INFORMATION, D.CANCELLED),  # a new request replaces the old
        "InformationSupplied": (K.INFORMATION, D.MET),
        "MerchantEvidenceSubmitted": (K.MERCHANT_EVIDENCE, D.MET),
        "SpotCheckOrdered": (None, D.PAUSED),  # other clocks pause while testing runs
        "SpotCheckResultRecorded": (K.SPOT_CHECK, D.MET),
        "RemedyOffered": (K.REMEDY_ANSWER, D.CANCELLED),  # a revised offer replaces the open one
        "RemedyAccepted": (K.REMEDY_ANSWER, D.MET),
        "RemedyRejected": (K.REMEDY_ANSWER, D.MET),
        "RemedyExecuted": (K.REFUND, D.MET),
        "CaseClosed": (None, D.CANCELLED),
        "AppealFiled": (K.APPEAL_WINDOW, D.MET),
        "CaseReopened": (K.APPEAL_WINDOW, D.CANCELLED),
    }
)
"""Applied before the clock the same event starts, if any (so a new request's clock stays open)."""

STARTED_DEADLINE_FIELD: Final[Mapping[str, str]] = MappingProxyType(
    {"ComplaintFiled": "acknowledgement_deadline"}
)
"""Payload field of the clock an event starts, where it is not ``deadline``."""

RUNNING: Final = frozenset({D.OPEN, D.PAUSED})
_ENDS_FROM: Final = MappingProxyType({D.PAUSED: frozenset({D.OPEN})})

Deadlines = dict[str, Deadline]
"""deadline_id -> the clock."""


def fold_deadlines(deadlines: Mapping[str, Deadline], event: EventEnvelope) -> Deadlines:
    """The case's clocks after ``event`` (a new dict; ``deadlines`` is left alone).

    Only running clocks are ever changed by a later event, so a caller that
    keeps only the running ones (the deadline keeper) gets the same running
    clocks as one that keeps them all.
    """
    clocks: Deadlines = dict(deadlines)
    payload = event.payload
    rule = DEADLINE_RULES.get(event.event_type)
    if rule is not None:
        kind, state = rule
        if kind is None:
            ending = [i for i, d in clocks.items() if d.state in _ENDS_FROM.get(state, RUNNING)]
        else:
            first = _first_running(clocks, kind)
            ending = [] if first is None else [first]
        for deadline_id in ending:
            clock = clocks[deadline_id]
            clocks[deadline_id] = (
                clock.pause(event.recorded_at) if state is D.PAUSED else clock.finish(state)
            )
    resumed = payload.get("resumed")
    if isinstance(resumed, dict):
        for deadline_id, times in resumed.items():
            if deadline_id in clocks:
                clocks[deadline_id] = clocks[deadline_id].resume(
                    parse_time(times["due_at"]), parse_optional_time(times["remind_at"])
                )
    started = payload.get(STARTED_DEADLINE_FIELD.get(event.event_type, "deadline"))
    if isinstance(started, dict):
        deadline_id = started["deadline_id"]
        clocks[deadline_id] = deadline_from_json(
            deadline_id, {**started, "reminded": False, "paused_at": None}
        )
    named = payload.get("deadline_id")
    if isinstance(named, str) and named in clocks:
        if event.event_type == "DeadlineExpired":
            clocks[named] = clocks[named].finish(D.EXPIRED)
        elif event.event_type == "DeadlineReminderSent":
            clocks[named] = replace(clocks[named], reminded=True)
    return clocks


def running_deadline(deadlines: Mapping[str, Deadline], kind: DeadlineKind) -> Deadline | None:
    """The running (open or paused) clock of ``kind``, if any."""
    first = _first_running(deadlines, kind)
    return None if first is None else deadlines[first]


def _first_running(deadlines: Mapping[str, Deadline], kind: DeadlineKind) -> str | None:
    # The aggregate ends the first running clock of the kind in the order the clocks
    # started; a deadline id is '<kind>@<version of its starting event>'.
    running = [i for i, d in deadlines.items() if d.kind == kind and d.state in RUNNING]
    return min(running, key=_started_version, default=None)


def _started_version(deadline_id: str) -> tuple[int, str]:
    version = deadline_id.rpartition("@")[2]
    return (int(version) if version.isdigit() else 0, deadline_id)
