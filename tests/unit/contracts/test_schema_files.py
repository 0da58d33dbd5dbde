"""The committed schemas match the code, and a change that breaks an old consumer fails."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field, create_model
from typer.testing import CliRunner

from complaint_events.cli.schemas_cmd import repo_root, schemas_app
from complaint_events.contracts import schema_files
from complaint_events.contracts.events import ALL_EVENT_MODELS, RemedyOfferedV1
from complaint_events.contracts.schema_files import (
    BreakingSchemaChangeError,
    ReleaseRefusedError,
    check,
    compare,
    generate,
    release,
)

REPO_SCHEMAS = repo_root(Path(__file__).parent) / "schemas"
RELEASED = REPO_SCHEMAS / "released"

OLD: dict[str, Any] = {
    "$defs": {"Colour": {"enum": ["red", "green"], "type": "string"}},
    "properties": {
        "name": {"type": "string"},
        "price": {"type": "string", "pattern": r"^\d+$"},
        "colour": {"$ref": "#/$defs/Colour"},
        "note": {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "tags": {"items": {"type": "string"}, "type": "array"},
    },
    "required": ["name", "price", "colour"],
    "type": "object",
}


def changed(edit: Any) -> dict[str, Any]:
    new = copy.deepcopy(OLD)
    edit(new)
    return new


def read(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def test_the_committed_schemas_match_the_code() -> None:
    assert check(REPO_SCHEMAS) == []


def test_compare_accepts_the_same_schema_and_compatible_growth() -> None:
    assert compare(OLD, OLD) == []

    def grow(new: dict[str, Any]) -> None:
        new["properties"]["voucher"] = {"type": "string", "default": ""}  # new optional
        new["$defs"]["Colour"]["enum"].append("blue")  # new enum member
        new["properties"]["name"]["description"] = "reworded"

    assert compare(OLD, changed(grow)) == []


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda s: s["properties"].pop("price"), "'price' was removed"),
        (lambda s: s["properties"]["price"].update(type="number"), "'price' changed type"),
        (lambda s: s["properties"].update(note={"type": "string"}), "'note' changed type"),
        (
            lambda s: s["properties"]["tags"].update(items={"type": "integer"}),
            "'tags[]' changed type",
        ),
        (
            lambda s: (s["properties"].update(sku={"type": "string"}), s["required"].append("sku")),
            "'sku' is newly required",
        ),
        (lambda s: s["$defs"]["Colour"]["enum"].remove("green"), "lost enum member(s) 'green'"),
        (lambda s: s["properties"].update(colour={"type": "string"}), "'colour' changed type"),
    ],
)
def test_compare_flags_breaking_changes(edit: Any, says: str) -> None:
    problems = compare(OLD, changed(edit))
    assert any(says in p for p in problems), problems


def test_a_new_property_breaks_a_closed_object_only() -> None:
    closed = {**OLD, "additionalProperties": False}
    grown = copy.deepcopy(closed)
    grown["properties"]["voucher"] = {"type": "string", "default": ""}
    assert compare(closed, grown) == [
        (
            "property 'voucher' was added to a closed object (additionalProperties: false), "
            "which its consumers refuse"
        )
    ]


def test_compare_follows_refs_into_nested_records() -> None:
    committed = read(REPO_SCHEMAS / "events" / "ComplaintFiled.v1.json")
    edited = copy.deepcopy(committed)
    del edited["$defs"]["DeadlineV1"]["properties"]["due_at"]
    assert compare(committed, edited) == ["property 'acknowledgement_deadline.due_at' was removed"]


@pytest.fixture
def schemas(tmp_path: Path) -> Path:
    copied = tmp_path / "schemas"
    shutil.copytree(REPO_SCHEMAS, copied)
    return copied


def test_check_reports_a_change_that_breaks_an_old_consumer(schemas: Path) -> None:
    # The committed contract an old consumer reads had a field and a type the code
    # no longer matches: exactly what editing a V1 model in place would do.
    path = schemas / "events" / "RemedyOffered.v1.json"
    old = read(path)
    old["properties"]["voucher_code"] = {"type": "string"}
    old["properties"]["refund_amount"] = {"type": "number"}
    path.write_text(json.dumps(old, indent=2, sort_keys=True) + "\n", encoding="utf-8")

    problems = check(schemas)

    assert any(
        "BREAKING events/RemedyOffered.v1.json: property 'voucher_code' was removed" in p
        for p in problems
    ), problems
    assert any("'refund_amount' changed type from number to string" in p for p in problems)
    assert all("V2 model" in p for p in problems)


def test_generate_refuses_to_overwrite_a_breaking_change(schemas: Path) -> None:
    path = schemas / "commands" / "Close.v1.json"
    old = read(path)
    old["properties"]["resolution"] = {"type": "integer"}
    before = json.dumps(old, indent=2, sort_keys=True) + "\n"
    path.write_text(before, encoding="utf-8")

    with pytest.raises(BreakingSchemaChangeError, match=r"Close\.v1\.json: property 'resolution'"):
        generate(schemas)
    assert path.read_text(encoding="utf-8") == before  # nothing was overwritten

    result = CliRunner().invoke(schemas_app, ["generate", "--dir", str(schemas)])
    assert result.exit_code == 1
    assert "add a new version" in result.output


def test_compatible_drift_and_missing_files_only_need_regeneration(schemas: Path) -> None:
    stale = schemas / "events" / "CaseAssigned.v1.json"
    old = read(stale)
    old["properties"]["handler"]["description"] = "old wording"
    stale.write_text(json.dumps(old), encoding="utf-8")
    (schemas / "intake" / "IntakeMessage.v1.json").unlink()

    problems = check(schemas)
    regenerate = "run `complaint-events schemas generate`"
    assert problems == [
        f"events/CaseAssigned.v1.json differs from the code: {regenerate}",
        f"intake/IntakeMessage.v1.json is missing: {regenerate} and commit it",
    ]
    written = generate(schemas)
    assert len(written) == len(list(REPO_SCHEMAS.glob("[!r]*/*.json")))  # not released/
    assert check(schemas) == []


def test_a_removed_message_is_reported(schemas: Path) -> None:
    shutil.copy(
        schemas / "events" / "CaseAssigned.v1.json", schemas / "events" / "CaseUnassigned.v1.json"
    )
    expected = (
        "events/CaseUnassigned.v1.json has no message in the code: a published contract was "
        "removed; restore its model (old consumers still read it)"
    )
    assert check(schemas) == [expected]


def test_generated_files_are_stable_text(schemas: Path) -> None:
    text = (schemas / "events" / "ComplaintFiled.v1.json").read_text(encoding="utf-8")
    assert text.endswith("}\n")
    schema = json.loads(text)
    assert schema["$id"] == "urn:complaint-events:schemas:events/ComplaintFiled.v1"
    assert schema["x-schema-version"] == 1
    assert schema["properties"]["price"]["type"] == "string"
    assert schema["properties"]["contact"]["x-personal-data"] is True
    contact = schema["$defs"]["ContactV1"]["properties"]
    assert all(contact[f]["x-personal-data"] is True for f in ("name", "phone", "email", "address"))


def test_cli_check(schemas: Path) -> None:
    ok = CliRunner().invoke(schemas_app, ["check", "--dir", str(schemas)])
    assert ok.exit_code == 0
    assert ok.output.startswith("OK")
    (schemas / "envelope" / "EventEnvelope.v1.json").unlink()
    bad = CliRunner().invoke(schemas_app, ["check", "--dir", str(schemas)])
    assert bad.exit_code == 1
    assert "envelope/EventEnvelope.v1.json is missing" in bad.output


# ------------------------------------------------------- the released schemas


def _code_with(monkeypatch: pytest.MonkeyPatch, model: type[BaseModel]) -> None:
    """The code as if RemedyOfferedV1 had been edited in place into ``model``."""
    edited = tuple(model if m is RemedyOfferedV1 else m for m in ALL_EVENT_MODELS)
    monkeypatch.setattr(schema_files, "ALL_EVENT_MODELS", edited)


def _regenerated(tmp_path: Path) -> Path:
    """What deleting the working schemas and running `schemas generate` leaves."""
    fresh = tmp_path / "fresh"
    generate(fresh, released=tmp_path / "nothing-released")
    return fresh


def test_the_repository_keeps_a_release_of_every_schema() -> None:
    released = {p.relative_to(RELEASED) for p in RELEASED.rglob("*.json")}
    working = {
        p.relative_to(REPO_SCHEMAS)
        for p in REPO_SCHEMAS.rglob("*.json")
        if RELEASED not in p.parents
    }
    assert released == working


def test_a_breaking_change_fails_against_the_release_even_after_regenerating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    breaking = create_model(
        "RemedyOfferedV1",
        __base__=RemedyOfferedV1,
        refund_amount=(int, Field(description="now a number of fen")),
    )
    _code_with(monkeypatch, breaking)
    fresh = _regenerated(tmp_path)  # the working files say what the code says

    problems = check(fresh, released=RELEASED)

    assert problems == [
        (
            "BREAKING events/RemedyOffered.v1.json against its release: property 'refund_amount' "
            "changed type from string to integer (consumers of the released v1 would fail; "
            "restore it or add a V2 model)"
        )
    ]
    result = CliRunner().invoke(
        schemas_app, ["check", "--dir", str(fresh), "--released", str(RELEASED)]
    )
    assert result.exit_code == 1
    assert "against its release" in result.output
    with pytest.raises(BreakingSchemaChangeError, match="refund_amount"):
        generate(fresh, released=RELEASED)  # generate refuses it too
    copied = tmp_path / "released-copy"
    shutil.copytree(RELEASED, copied)
    with pytest.raises(ReleaseRefusedError, match="refund_amount"):
        release(fresh, released=copied)


def _remedy_offered_with_a_voucher() -> type[RemedyOfferedV1]:
    """``RemedyOffered`` v1 grown by an optional field: a compatible change."""
    return create_model(
        "RemedyOfferedV1",
        __base__=RemedyOfferedV1,
        voucher_code=(str | None, Field(default=None, description="an optional new field")),
    )


def test_a_compatible_addition_passes_against_the_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code_with(monkeypatch, _remedy_offered_with_a_voucher())
    fresh = _regenerated(tmp_path)

    assert check(fresh, released=RELEASED) == []
    assert "voucher_code" not in (RELEASED / "events" / "RemedyOffered.v1.json").read_text()


def test_release_copies_the_working_schemas_once_they_check_clean(
    schemas: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _code_with(monkeypatch, _remedy_offered_with_a_voucher())
    with pytest.raises(ReleaseRefusedError, match="differs from the code"):
        release(schemas)  # the working files are stale: generate first

    generate(schemas)
    result = CliRunner().invoke(schemas_app, ["release", "--dir", str(schemas)])

    assert result.exit_code == 0, result.output
    assert "schema file(s) written" in result.output
    released = read(schemas / "released" / "events" / "RemedyOffered.v1.json")
    assert "voucher_code" in released["properties"]
    assert check(schemas) == []


def test_a_released_contract_removed_from_the_code_is_reported(schemas: Path) -> None:
    shutil.copy(
        schemas / "released" / "events" / "CaseAssigned.v1.json",
        schemas / "released" / "events" / "CaseUnassigned.v1.json",
    )
    assert check(schemas) == [
        (
            "released events/CaseUnassigned.v1.json has no message in the code: a released "
            "contract was removed; restore its model (old consumers still read it)"
        )
    ]
