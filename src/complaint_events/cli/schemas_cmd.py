"""``complaint-events schemas``: generate and check the JSON Schema files of the wire contracts.

The AsyncAPI document of every topic (``schemas/asyncapi.yaml``) is generated and
checked with them. ``release`` takes the snapshot (``schemas/released/``) that
``check`` compares the code with (docs/contracts.md, "Releasing the schemas").
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from complaint_events.contracts import asyncapi
from complaint_events.contracts.schema_files import (
    BreakingSchemaChangeError,
    ReleaseRefusedError,
    check,
    generate,
    release,
)

schemas_app = typer.Typer(
    help="Generate the JSON Schema files and the AsyncAPI document (asyncapi.yaml) in "
    "schemas/ from the contract models, check that the committed files match the code "
    "and that no change breaks the last released schemas (schemas/released/), or release "
    "the current ones.",
    no_args_is_help=True,
)

DirOption = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="The schemas folder (default: schemas/ at the repository root, "
        "found by walking up to pyproject.toml, else in the current directory).",
        file_okay=False,
    ),
]


def repo_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) holding pyproject.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    return here


ReleasedOption = Annotated[
    Path | None,
    typer.Option(
        "--released",
        help="The last released schemas (default: released/ inside the schemas folder).",
        file_okay=False,
    ),
]


def _schemas_dir(given: Path | None) -> Path:
    return given if given is not None else repo_root() / "schemas"


@schemas_app.command("generate")
def generate_command(schemas_dir: DirOption = None, released: ReleasedOption = None) -> None:
    """Write a schema file per message and version, and asyncapi.yaml; refuse a breaking change."""
    target = _schemas_dir(schemas_dir)
    try:
        written = generate(target, released)
    except BreakingSchemaChangeError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from None
    document = asyncapi.write(target)
    typer.echo(f"{len(written)} schema files and {document.name} up to date in {target}")


@schemas_app.command("check")
def check_command(schemas_dir: DirOption = None, released: ReleasedOption = None) -> None:
    """Fail (exit 1) when a committed schema is missing, stale or orphaned, or when the code
    breaks a committed or a released schema."""
    target = _schemas_dir(schemas_dir)
    problems = check(target, released) + asyncapi.check(target)
    if problems:
        typer.echo(f"{len(problems)} schema problem(s) in {target}:", err=True)
        for problem in problems:
            typer.echo(f"  - {problem}", err=True)
        raise typer.Exit(code=1)
    typer.echo(
        f"OK: schemas and {asyncapi.DOCUMENT_NAME} in {target} match the contracts, "
        "no breaking changes"
    )


@schemas_app.command("release")
def release_command(schemas_dir: DirOption = None, released: ReleasedOption = None) -> None:
    """Copy the current schema files into schemas/released/: what the next changes are checked
    against. Refused (exit 1) unless `schemas check` passes. Commit the folder with the release."""
    target = _schemas_dir(schemas_dir)
    try:
        written = release(target, released)
    except ReleaseRefusedError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(code=1) from None
    where = released if released is not None else target / "released"
    typer.echo(f"released: {len(written)} schema file(s) written to {where}")
