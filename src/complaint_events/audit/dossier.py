"""An audit dossier: one case's events in one self-contained JSON file, checkable offline.

The dossier holds the case's events as published envelopes (with their hashes),
the chain head, when and by which tool it was exported, and how to check it.
:func:`verify_dossier` needs nothing else: no database, no Kafka. A dossier is
not signed: to know it is *the* history, compare its chain head with the one
the store or the topic shows (``complaint-events audit verify CASE``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from complaint_events.audit.verify import ChainVerifier, Problem, VerifyReport, short
from complaint_events.contracts.hash_chain import GENESIS_HASH, HASH_ALGORITHM, HASHED_FIELDS

DOSSIER_FORMAT: Final = "complaint-events/audit-dossier/v1"

HOW_TO_VERIFY: Final = (
    "Run `complaint-events audit verify --file THIS_FILE` (offline: no database, no Kafka). "
    "By hand: for each event in order, hash = hex SHA-256 of the UTF-8 canonical JSON "
    "(keys sorted, separators ',' and ':', no whitespace, non-ASCII characters as is) of the "
    "object made of the event's hashed_fields; previous_hash must equal the previous event's "
    "hash (genesis_hash for the first), sequences must run 1, 2, 3, ... without gaps, and the "
    "last event must match chain_head. Compare chain_head.hash with the one the event store "
    "or the events topic shows: the dossier is not signed."
)


class DossierError(ValueError):
    """The file is not an audit dossier this tool can read."""


def build_dossier(
    case_id: str,
    envelopes: Sequence[Mapping[str, Any]],
    exported_at: datetime,
    tool_version: str,
) -> dict[str, Any]:
    """The dossier of one case from its envelopes (JSON form, in sequence order)."""
    last = envelopes[-1] if envelopes else {}
    return {
        "format": DOSSIER_FORMAT,
        "case_id": case_id,
        "exported_at": exported_at.isoformat(),
        "tool": {"name": "complaint-events", "version": tool_version},
        "hash_algorithm": HASH_ALGORITHM,
        "hashed_fields": list(HASHED_FIELDS),
        "genesis_hash": GENESIS_HASH,
        "chain_head": {
            "sequence": last.get("sequence", 0),
            "hash": last.get("hash"),
            "events": len(envelopes),
        },
        "how_to_verify": HOW_TO_VERIFY,
        "events": [dict(e) for e in envelopes],
    }


def verify_dossier(dossier: object) -> VerifyReport:
    """Check a dossier's chain and that it ends at its declared chain head."""
    if not isinstance(dossier, Mapping) or dossier.get("format") != DOSSIER_FORMAT:
        raise DossierError(f"not an audit dossier (expected format {DOSSIER_FORMAT!r})")
    if dossier.get("hash_algorithm") != HASH_ALGORITHM:
        raise DossierError(
            f"unknown hash algorithm {dossier.get('hash_algorithm')!r} (this tool checks "
            f"{HASH_ALGORITHM})"
        )
    events = dossier.get("events")
    head = dossier.get("chain_head")
    case_id = str(dossier.get("case_id", "?"))
    if not isinstance(events, list) or not isinstance(head, Mapping):
        raise DossierError("a dossier needs an events list and a chain_head")
    verifier = ChainVerifier()
    for index, event in enumerate(events):
        where = f"events[{index}]"
        if not isinstance(event, Mapping):
            verifier.add_problem(Problem(case_id, None, "unreadable", "not an object", where))
            continue
        if event.get("case_id") != case_id:
            verifier.add_problem(
                Problem(
                    case_id,
                    _int(event.get("sequence")),
                    "inserted",
                    f"an event of another case ({event.get('case_id')})",
                    where,
                )
            )
            continue
        verifier.feed(event, where)
    report = verifier.report()
    if report.ok:
        problem = _head_problem(case_id, report.chains.get(case_id, ()), head)
        if problem is not None:
            return VerifyReport(report.checked, (problem,), report.chains)
    return report


def verify_event_log(lines: Iterable[str]) -> VerifyReport:
    """Check an event log: JSONL, one published envelope a line, of many cases.

    Each case's events must chain in the order they appear. Unlike a dossier, an
    event log declares no chain heads, so events missing from the end of a case
    go unnoticed here: compare the heads with ``audit verify CASE``.
    """
    verifier = ChainVerifier()
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            raise DossierError(f"line {number} is not JSON ({error})") from None
        if not isinstance(document, Mapping):
            raise DossierError(f"line {number} is not an event envelope")
        verifier.feed(document, f"line {number}")
    return verifier.report()


def is_event_log(text: str) -> bool:
    """Whether ``text`` looks like a JSONL event log rather than one dossier document."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        document = json.loads(first)
    except json.JSONDecodeError:
        return False
    return isinstance(document, Mapping) and "format" not in document and "case_id" in document


def _head_problem(case_id: str, chain: Sequence[str], head: Mapping[str, Any]) -> Problem | None:
    sequence = _int(head.get("sequence")) or 0
    if len(chain) < sequence:
        return Problem(
            case_id,
            len(chain) + 1,
            "removed",
            f"the chain head says {sequence} events, the dossier holds {len(chain)}",
            "chain_head",
        )
    if len(chain) > sequence:
        return Problem(
            case_id,
            sequence + 1,
            "inserted",
            f"the chain head says {sequence} events, the dossier holds {len(chain)}",
            "chain_head",
        )
    if chain and head.get("hash") != chain[-1]:
        return Problem(
            case_id,
            sequence,
            "altered",
            f"the last event hashes to {short(chain[-1])}, the chain head says "
            f"{short(str(head.get('hash')))}",
            "chain_head",
        )
    return None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
