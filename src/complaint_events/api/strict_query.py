"""A query string holds only the parameters an operation declares, each once.

Without this, ``GET /v1/cases?stauts=open`` answered every case (the misspelt
filter silently ignored) and ``?route=a&route=b`` filtered on the last value
only. Both are answered 422 in the validation-error shape (api/problems.py),
naming the parameter. Every query parameter of this API takes one value.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from complaint_events.api.problems import unprocessable


def _declared(dependant: Dependant) -> Iterator[str]:
    for field in dependant.query_params:
        yield field.alias
    for inner in dependant.dependencies:
        yield from _declared(inner)


def strict_query(request: Request) -> None:
    """An app-wide dependency: refuse unknown and repeated query parameters."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    declared = set(_declared(route.dependant))
    for name in request.query_params:
        if name not in declared:
            known = ", ".join(sorted(declared)) or "none"
            raise unprocessable(
                ("query", name), f"unknown query parameter (this operation takes: {known})"
            )
        if len(request.query_params.getlist(name)) > 1:
            raise unprocessable(("query", name), "given more than once; it takes one value")
