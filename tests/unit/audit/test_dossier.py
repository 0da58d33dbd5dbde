"""A dossier round trip: exported, written, read back and checked offline."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from audit_support import IN_MEMORY, Doc, chained_case, documents
from complaint_events.audit.dossier import (
    DOSSIER_FORMAT,
    DossierError,
    build_dossier,
    verify_dossier,
)
from complaint_events.bootstrap import open_cases
from complaint_events.contracts.hash_chain import GENESIS_HASH, HASH_ALGORITHM


@pytest.fixture
def chain() -> Iterator[list[Doc]]:
    app = open_cases(env=IN_MEMORY)
    yield documents(app, chained_case(app))
    app.close()


def round_trip(dossier: dict[str, Any]) -> Any:
    return json.loads(json.dumps(dossier, ensure_ascii=False, indent=2))


def dossier_of(chain: list[Doc]) -> dict[str, Any]:
    return build_dossier(chain[0]["case_id"], chain, datetime(2026, 4, 1, tzinfo=UTC), "9.9.9")


def test_a_dossier_is_self_contained_and_verifies_after_a_round_trip(chain: list[Doc]) -> None:
    dossier = dossier_of(chain)
    assert dossier["format"] == DOSSIER_FORMAT
    assert dossier["hash_algorithm"] == HASH_ALGORITHM
    assert dossier["genesis_hash"] == GENESIS_HASH
    assert dossier["tool"] == {"name": "complaint-events", "version": "9.9.9"}
    assert dossier["exported_at"] == "2026-04-01T00:00:00+00:00"
    assert dossier["chain_head"] == {"sequence": 5, "hash": chain[-1]["hash"], "events": 5}
    assert "audit verify --file" in dossier["how_to_verify"]
    report = verify_dossier(round_trip(dossier))
    assert report.ok
    assert report.checked == 5


def test_an_edited_event_in_the_dossier_is_named(chain: list[Doc]) -> None:
    dossier = round_trip(dossier_of(chain))
    dossier["events"][2]["payload"]["notes"] = "photos look fake"
    problem = verify_dossier(dossier).first_problem
    assert problem is not None
    assert (problem.sequence, problem.kind, problem.where) == (3, "altered", "events[2]")


def test_a_dossier_cut_short_is_caught_by_its_chain_head(chain: list[Doc]) -> None:
    dossier = round_trip(dossier_of(chain))
    dossier["events"].pop()
    problem = verify_dossier(dossier).first_problem
    assert problem is not None
    assert (problem.sequence, problem.kind) == (5, "removed")


def test_an_event_of_another_case_is_inserted(chain: list[Doc]) -> None:
    dossier = round_trip(dossier_of(chain))
    dossier["events"].append({**chain[0], "case_id": "00000000-0000-0000-0000-000000000001"})
    problem = verify_dossier(dossier).first_problem
    assert problem is not None
    assert problem.kind == "inserted"


@pytest.mark.parametrize(
    "broken",
    [[], {"format": "something else"}, {"format": DOSSIER_FORMAT, "hash_algorithm": "md5"}],
)
def test_what_is_not_a_dossier_is_refused(broken: object) -> None:
    with pytest.raises(DossierError):
        verify_dossier(broken)
