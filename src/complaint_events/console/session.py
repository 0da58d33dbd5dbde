"""Who is signed in to the console, and the CSRF token every form carries.

Signing in takes one of the API's bearer tokens (:mod:`complaint_events.api.auth`);
the token is kept in a cookie the page's scripts cannot read (``HttpOnly``),
that no other site's page sends (``SameSite=Strict``), limited to ``/console``,
and ``Secure`` whenever the console is reached over HTTPS. Nothing is stored on
the server: every request maps the cookie's token to its principal again, so
a token removed from the configuration signs its holder out at once.

Every form carries a CSRF token that only the holder of the session can
compute: an HMAC of a fixed label keyed by the session's own secret token. The
sign-in form, before there is a session, is tied the same way to a random
nonce in a short-lived cookie (double submit). A POST whose token does not
match is refused (403) before anything else happens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from fastapi import Request
from fastapi.responses import Response

from complaint_events.api.auth import Principal, Role, TokenRegistry

SESSION_COOKIE: Final = "ce_console"
PRE_SESSION_COOKIE: Final = "ce_console_pre"
LANG_COOKIE: Final = "ce_lang"
COOKIE_PATH: Final = "/console"
SESSION_SECONDS: Final = 12 * 3600
"""A working day: a forgotten browser does not stay signed in overnight."""

PRE_SESSION_SECONDS: Final = 3600
TOKEN_MAX: Final = 512
"""The longest token a sign-in accepts (the API's own are 43 characters)."""

CONSOLE_ROLES: Final = (Role.HANDLER, Role.AUDITOR, Role.MERCHANT)
"""Who works in the console: handlers (leads are handlers), auditors, merchants."""

_CSRF_LABEL: Final = b"complaint-events console csrf v1"
_SIGN_IN_LABEL: Final = b"complaint-events console sign-in v1"


def _mac(key: str, label: bytes) -> str:
    return hmac.new(key.encode("utf-8"), label, hashlib.sha256).hexdigest()


def csrf_token(session_token: str) -> str:
    """The CSRF token of the forms of the session holding ``session_token``."""
    return _mac(session_token, _CSRF_LABEL)


def sign_in_csrf(nonce: str) -> str:
    """The CSRF token of the sign-in form tied to the pre-session ``nonce``."""
    return _mac(nonce, _SIGN_IN_LABEL)


def matches(expected: str, given: str | None) -> bool:
    """Constant-time comparison of a CSRF token with the one a form sent back."""
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())


def session_token(request: Request) -> str | None:
    """The bearer token of this browser's session, if it has one of a sane length."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > TOKEN_MAX:
        return None
    return token


def signed_in(request: Request) -> Principal | None:
    """The console user of this request: a configured token of a console role, or None."""
    token = session_token(request)
    if token is None:
        return None
    registry: TokenRegistry = request.app.state.tokens
    principal = registry.principal(token)
    if principal is None or principal.role not in CONSOLE_ROLES:
        return None
    return principal


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int) -> None:
    """A console cookie: HttpOnly, SameSite=Strict, path /console, Secure over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(
        name, path=COOKIE_PATH, httponly=True, samesite="strict", secure=_secure(request)
    )
