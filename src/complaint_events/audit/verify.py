"""Checking hash chains: has any event of a case been altered, removed, reordered or inserted?

Pure: the chains are read elsewhere (the event store, the events topic, a
dossier) and fed here as envelopes in JSON form, in the order that copy keeps
them. The same check, :func:`~complaint_events.contracts.hash_chain.event_hash`,
runs on every copy. For each case the first bad event is named, with what is
wrong with it:

``altered``    its content does not match its hash (or the event before it was rewritten)
``removed``    an event is missing (a gap, or an event chained to one that is gone)
``reordered``  events stand in another order than the one they were chained in
``inserted``   an event appears that is not part of the chain (a copy, or a second one)
``unchained``  an event without a hash (recorded before events were chained)
``unreadable`` not an envelope at all
``diverged``   two copies of one case (e.g. store and topic) disagree
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, Literal
from uuid import UUID

from complaint_events.contracts.envelope import event_id_for
from complaint_events.contracts.hash_chain import (
    ENVELOPE_FIELDS,
    GENESIS_HASH,
    chain_link,
    event_hash,
)

ProblemKind = Literal[
    "altered", "removed", "reordered", "inserted", "unchained", "unreadable", "diverged"
]

_SHORT: Final = 12


def short(digest: str) -> str:
    """The first characters of a hash, enough to tell two apart in a message."""
    return digest[:_SHORT]


@dataclass(frozen=True, slots=True)
class Problem:
    """The first bad event of one case, in one copy."""

    case_id: str
    sequence: int | None
    kind: ProblemKind
    detail: str
    where: str = ""

    def describe(self) -> str:
        at = f"event {self.sequence}" if self.sequence is not None else "an event"
        place = f" [{self.where}]" if self.where else ""
        return f"case {self.case_id}, {at}: {self.kind}: {self.detail}{place}"


@dataclass(frozen=True, slots=True)
class VerifyReport:
    """What a check found: the first bad event of each bad case, and how much it read."""

    checked: int
    problems: tuple[Problem, ...] = ()
    chains: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Per case, the hashes of its good events in order (index = sequence - 1)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> Problem | None:
        return self.problems[0] if self.problems else None

    @property
    def cases(self) -> int:
        return len(self.chains)


@dataclass(slots=True)
class _Chain:
    hashes: list[str] = field(default_factory=list)
    seen: dict[str, int] = field(default_factory=dict)
    problem: Problem | None = None
    # A provisional "removed" that turns into "reordered" if the missing event shows up later.
    awaiting_sequence: int | None = None
    awaiting_after: int = 0
    awaiting_hash: str | None = None

    @property
    def head(self) -> str:
        return self.hashes[-1] if self.hashes else GENESIS_HASH

    @property
    def next_sequence(self) -> int:
        return len(self.hashes) + 1


class ChainVerifier:
    """Checks the chains of the envelopes fed to it, case by case, in the order fed."""

    def __init__(self) -> None:
        self._chains: dict[str, _Chain] = {}
        self.checked = 0

    def feed(self, document: Mapping[str, Any], where: str = "") -> None:
        """Check one envelope (JSON form) against the chain of its case so far."""
        self.checked += 1
        case_id = document.get("case_id")
        sequence = document.get("sequence")
        if not isinstance(case_id, str) or not _is_sequence(sequence):
            self.add_problem(
                Problem(str(case_id or "?"), None, "unreadable", "no case_id or sequence", where)
            )
            return
        assert isinstance(sequence, int)
        chain = self._chains.setdefault(case_id, _Chain())
        if chain.problem is not None:
            self._refine(chain, sequence, document.get("hash"))
            return
        problem = _check(chain, case_id, sequence, document)
        if problem is not None:
            chain.problem = replace(problem, where=where)
            return
        # What the next event links to: the stored form's hash for an upcast event.
        link = str(chain_link(document))
        chain.hashes.append(link)
        chain.seen[link] = sequence

    def add_problem(self, problem: Problem) -> None:
        """Record a problem found outside the chain check (e.g. an undecodable stored event)."""
        chain = self._chains.setdefault(problem.case_id, _Chain())
        if chain.problem is None:
            chain.problem = problem

    def report(self) -> VerifyReport:
        return VerifyReport(
            checked=self.checked,
            problems=tuple(c.problem for c in self._chains.values() if c.problem is not None),
            chains={case_id: tuple(c.hashes) for case_id, c in self._chains.items()},
        )

    def _refine(self, chain: _Chain, sequence: int, stored: object) -> None:
        problem = chain.problem
        assert problem is not None
        if chain.awaiting_sequence is not None and sequence == chain.awaiting_sequence:
            chain.problem = replace(
                problem,
                kind="reordered",
                detail=f"event {sequence} stands after event {chain.awaiting_after}: "
                "events out of their recorded order",
            )
        elif chain.awaiting_hash is not None and stored == chain.awaiting_hash:
            chain.problem = replace(
                problem,
                kind="reordered",
                detail=f"it was chained after the event that now stands as event {sequence}: "
                "events out of their recorded order",
            )
        else:
            return
        chain.awaiting_sequence = chain.awaiting_hash = None


def verify_chain(
    envelopes: Iterable[Mapping[str, Any]], where: Sequence[str] | None = None
) -> VerifyReport:
    """Check the hash chains of ``envelopes`` (JSON form; any number of cases, each in order)."""
    verifier = ChainVerifier()
    for index, document in enumerate(envelopes):
        verifier.feed(document, where[index] if where is not None else "")
    return verifier.report()


def compare_copies(
    case_id: str,
    reference: Sequence[str],
    copy: Sequence[str],
    names: tuple[str, str] = ("store", "topic"),
) -> Problem | None:
    """Do two good chains of one case agree (the shorter may lag behind, not the reference)?"""
    first, second = names
    for index, (ours, theirs) in enumerate(zip(reference, copy, strict=False), start=1):
        if ours != theirs:
            return Problem(
                case_id,
                index,
                "diverged",
                f"the {first} and the {second} disagree from this event on "
                f"({short(ours)} vs {short(theirs)}): one copy was rewritten",
                f"{first} vs {second}",
            )
    if len(copy) > len(reference):
        return Problem(
            case_id,
            len(reference) + 1,
            "removed",
            f"the {second} holds events up to {len(copy)}, the {first} only up to {len(reference)}",
            f"{first} vs {second}",
        )
    return None


def _check(
    chain: _Chain, case_id: str, sequence: int, document: Mapping[str, Any]
) -> Problem | None:
    stored = document.get("hash")
    previous = document.get("previous_hash")
    expected = chain.next_sequence
    if stored is None:
        return Problem(
            case_id, sequence, "unchained", "no hash: recorded before events were chained"
        )
    if not isinstance(stored, str) or not isinstance(previous, str):
        return Problem(case_id, sequence, "unreadable", "hash or previous_hash is not a string")
    extra = sorted(set(document) - ENVELOPE_FIELDS)
    if extra:
        return Problem(case_id, sequence, "altered", f"unexpected field(s) {', '.join(extra)}")
    computed = event_hash(document)
    link = chain_link(document)
    if sequence < expected:
        again = computed == stored and chain.hashes[sequence - 1] == link
        what = "appears a second time" if again else "appears again with other content"
        return Problem(
            case_id, sequence, "inserted", f"event {sequence} {what}, after event {expected - 1}"
        )
    if sequence > expected:
        chain.awaiting_sequence = expected
        chain.awaiting_after = sequence
        before = f"event {expected - 1}" if expected > 1 else "the start of the chain"
        return Problem(
            case_id,
            expected,
            "removed",
            f"event {expected} is missing: {before} is followed by event {sequence}",
        )
    if link in chain.seen:
        return Problem(
            case_id,
            sequence,
            "inserted",
            f"a copy of event {chain.seen[str(link)]} (same hash {short(str(link))}) "
            f"stands as event {sequence}",
        )
    if previous != chain.head:
        return _broken_link(chain, case_id, sequence, document, computed)
    if computed != stored:
        return Problem(
            case_id,
            sequence,
            "altered",
            f"its content does not match its hash (recorded {short(stored)}, "
            f"computed {short(computed)})",
        )
    return None


def _broken_link(
    chain: _Chain, case_id: str, sequence: int, document: Mapping[str, Any], computed: str
) -> Problem:
    """The event is not chained to the one before it: say what most likely happened."""
    stored = str(document["hash"])
    previous = str(document["previous_hash"])
    if computed == stored:  # the event itself is intact: what stands before it is not
        if previous in chain.seen:
            first_extra = chain.seen[previous] + 1
            return Problem(
                case_id,
                first_extra,
                "inserted",
                f"event {sequence} was chained right after event {first_extra - 1}: "
                f"event(s) {first_extra}..{sequence - 1} were inserted",
            )
        if sequence == 1:
            return Problem(
                case_id, 1, "removed", "the first event is chained to an earlier one that is gone"
            )
        return Problem(
            case_id,
            sequence - 1,
            "altered",
            f"event {sequence} was chained to {short(previous)}, but event {sequence - 1} "
            f"now hashes to {short(chain.head)}: event {sequence - 1} was rewritten",
        )
    origin = 1 if previous == GENESIS_HASH else chain.seen.get(previous, -1) + 1
    if origin > 0:
        if _hash_as(document, case_id, origin) == stored:
            return Problem(
                case_id,
                sequence,
                "reordered",
                f"the event recorded as event {origin} stands as event {sequence}",
            )
        return Problem(
            case_id,
            sequence,
            "altered",
            f"its content does not match its hash, and it is chained after event {origin - 1}",
        )
    chain.awaiting_hash = previous
    return Problem(
        case_id,
        sequence,
        "removed",
        f"it is chained to an event ({short(previous)}) that is not before it "
        "in the chain: that event was removed or replaced",
    )


def _hash_as(document: Mapping[str, Any], case_id: str, sequence: int) -> str:
    """The hash the event would have at another position (its id follows its sequence)."""
    try:
        event_id = str(event_id_for(UUID(case_id), sequence))
    except ValueError:
        return ""
    return event_hash({**document, "sequence": sequence, "event_id": event_id})


def _is_sequence(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """Two copies compared case by case: where they disagree, and how far the copy lags."""

    problems: tuple[Problem, ...]
    behind: int
    """Events the reference holds that the copy does not hold yet (e.g. not yet relayed)."""


def cross_check(
    reference: VerifyReport,
    copy: VerifyReport,
    names: tuple[str, str] = ("store", "topic"),
    *,
    complete: bool = True,
) -> CrossCheck:
    """Compare the good chains of two copies; cases bad in either copy are reported there.

    ``complete``: the reference holds every case (not just some), so a case found
    only in the copy was removed from the reference.
    """
    bad = {p.case_id for p in (*reference.problems, *copy.problems)}
    problems: list[Problem] = []
    behind = 0
    for case_id, ours in reference.chains.items():
        if case_id in bad:
            continue
        theirs = copy.chains.get(case_id, ())
        problem = compare_copies(case_id, ours, theirs, names)
        if problem is not None:
            problems.append(problem)
        else:
            behind += max(len(ours) - len(theirs), 0)
    if complete:
        first, second = names
        problems.extend(
            Problem(
                case_id,
                1,
                "removed",
                f"the {second} holds {len(theirs)} event(s) of this case, the {first} none",
                f"{first} vs {second}",
            )
            for case_id, theirs in copy.chains.items()
            if case_id not in reference.chains and case_id not in bad and theirs
        )
    return CrossCheck(tuple(problems), behind)
