"""Who is calling: bearer tokens mapped to roles, stored only as hashes.

Tokens are configured as ``{sha256(token) hex: "role:id"}`` (environment
variable ``COMPLAINTS_API_TOKENS`` as JSON, or a JSON file named by
``COMPLAINTS_API_TOKENS_FILE``); ``complaint-events api token ROLE:ID`` makes a
new random token and prints the line to configure. A token is 32 random bytes,
so one SHA-256 is enough to make a leaked configuration useless to an attacker.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Final

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


class Role(StrEnum):
    """What a caller may do (docs/architecture.md, Who uses it)."""

    CONSUMER = "consumer"
    MERCHANT = "merchant"
    HANDLER = "handler"
    AUDITOR = "auditor"
    ADAPTER = "adapter"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: a role and who within it (``consumer:c-1``, ``handler:h-7``)."""

    role: Role
    id: str

    @property
    def actor(self) -> str:
        """How the caller is recorded on the events it causes."""
        return f"{self.role.value}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Principal:
        role, _, ident = text.partition(":")
        if role not in {r.value for r in Role} or not ident.strip():
            raise ValueError(
                f"a token's principal is 'role:id' with role one of "
                f"{', '.join(r.value for r in Role)}; got {text!r}"
            )
        return cls(Role(role), ident.strip())


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


class TokenRegistry:
    """The configured tokens, by hash."""

    def __init__(self, by_hash: Mapping[str, str]) -> None:
        self._by_hash = {h.lower(): Principal.parse(p) for h, p in by_hash.items()}

    @classmethod
    def from_config(cls, tokens_json: str | None, tokens_file: Path | None) -> TokenRegistry:
        entries: dict[str, str] = {}
        if tokens_file is not None:
            entries.update(json.loads(tokens_file.read_text()))
        if tokens_json:
            entries.update(json.loads(tokens_json))
        return cls(entries)

    def principal(self, token: str) -> Principal | None:
        return self._by_hash.get(hash_token(token))

    def __len__(self) -> int:
        return len(self._by_hash)


BEARER: Final = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description="A token made by `complaint-events api token ROLE:ID`; it names the caller "
    "(consumer, merchant, handler, auditor or adapter).",
)
"""The API's one security scheme, declared in its OpenAPI document (the Authorize button)."""


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> Principal:
    """The caller of this request, from its ``Authorization: Bearer`` header (401 if none)."""
    registry: TokenRegistry = request.app.state.tokens
    principal = registry.principal(credentials.credentials.strip()) if credentials else None
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets only ``roles`` through (403 for the others)."""

    def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"{principal.role.value} may not do this",
            )
        return principal

    return check
