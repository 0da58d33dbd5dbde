"""How the API refuses a request, and how the OpenAPI document says so (docs/api.md).

Two bodies, both ``{"detail": ...}`` as FastAPI sends them:

- a **problem** ``{"detail": "why, and what to do"}`` for 400 (a body that is
  not JSON), 401, 403, 404, 409, 413 and 503;
- a **validation error** ``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}``
  for every 422: FastAPI's own for a request its models refuse, and the same
  shape for a rule the schema cannot say (a range too long, a cursor the API
  did not hand out, an Idempotency-Key reused for another request), so that a
  client reads one shape per status.

Routes declare their answers with :func:`answers`, which names the body model,
so the document tells the truth about what each status carries.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import HTTPException, status
from pydantic import BaseModel, Field


class Problem(BaseModel):
    """Why a request was refused, for people."""

    detail: str = Field(description="What went wrong and, where it helps, what to do")


_DEFAULTS: Final[dict[int, str]] = {
    status.HTTP_400_BAD_REQUEST: "The body is not JSON",
    status.HTTP_401_UNAUTHORIZED: "No valid bearer token (`WWW-Authenticate: Bearer`)",
    status.HTTP_403_FORBIDDEN: "The caller's role may not do this",
    status.HTTP_404_NOT_FOUND: "Unknown, or not visible to the caller",
    status.HTTP_409_CONFLICT: "A request with this Idempotency-Key is still being processed",
    status.HTTP_413_CONTENT_TOO_LARGE: "The request body is larger than the API reads",
    status.HTTP_503_SERVICE_UNAVAILABLE: "A service the API needs is unavailable",
}


def answers(*codes: int, **described: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for refusals with a :class:`Problem` body.

    ``described`` overrides a description by status: ``answers(404, s409="…")``.
    """
    found: dict[int | str, dict[str, Any]] = {}
    for code in (*codes, *(int(name[1:]) for name in described)):
        description = described.get(f"s{code}", _DEFAULTS.get(code, "Refused"))
        found[code] = {"model": Problem, "description": description}
    return found


def unprocessable(where: tuple[str, ...], message: str) -> HTTPException:
    """A 422 in FastAPI's validation-error shape, for a rule the schema cannot state."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": list(where), "msg": message, "type": "value_error"}],
    )
