"""How a console page is rendered: its template, its words, its CSRF token, its language switch.

Every page goes through :func:`page`, which gives the templates the words of
the page's language, the signed-in user and the CSRF token of the forms, and
remembers the language in a cookie.

The language switch is a link to the same page in the other language, with the
page's own query (its filters, its paging) kept and only ``lang`` replaced. A
page answered to a form (a refused step, an expired form) has no address one
may load again: its switch leads, by GET, to the safe page the form came from
(the case, for a step; else the queue or the sign-in page), never back to the
form's address, which only takes POST.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from fastapi import Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from complaint_events.api.auth import Principal
from complaint_events.console import session
from complaint_events.console.i18n import LANGS, Lang, Words, pick_lang
from complaint_events.labels import label

HERE: Final = Path(__file__).parent
STATIC_DIR: Final = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")

_STEP_PATH: Final = re.compile(r"^/console/cases/([0-9a-fA-F-]{36})/steps/[^/]+$")
_SAFE_GET: Final = ("GET", "HEAD")


def _when(moment: datetime | str | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


templates.env.filters["when"] = _when


def _words_of(lang: Lang) -> Callable[[str | None], str]:
    """What the page shows for an identifier (a status, a clock, an event type): its words."""

    def words(identifier: str | None) -> str:
        if not identifier:
            return ""
        found = label(identifier)
        return found.zh if lang == "zh" else found.en

    return words


def lang_of(request: Request, asked: Lang | None) -> Lang:
    """The page's language: asked for in the query, else remembered, else Chinese."""
    return pick_lang(asked, request.cookies.get(session.LANG_COOKIE))


def switch_url(request: Request, lang: Lang) -> str:
    """The address of this page in ``lang``: the same query with ``lang`` replaced, by GET."""
    path = request.url.path
    if request.method in _SAFE_GET:
        kept = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        return f"{path}?{urlencode([*kept, ('lang', lang)])}"
    step = _STEP_PATH.match(path)
    if step is not None:
        safe = f"/console/cases/{step.group(1)}"
    elif path == "/console/sign-in" or session.signed_in(request) is None:
        safe = "/console/sign-in"
    else:
        safe = "/console/queue"
    return f"{safe}?{urlencode([('lang', lang)])}"


def page(
    request: Request,
    name: str,
    lang: Lang,
    context: dict[str, Any],
    *,
    status_code: int = 200,
    principal: Principal | None = None,
) -> HTMLResponse:
    """Render ``name``, remembering the language and giving the forms their CSRF token."""
    token = session.session_token(request)
    other = next(other for other in LANGS if other != lang)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "t": Words(lang),
            "w": _words_of(lang),
            "lang": lang,
            "other_lang": other,
            "switch_url": switch_url(request, other),
            "principal": principal,
            "csrf": "" if token is None else session.csrf_token(token),
            **context,
        },
        status_code=status_code,
    )
    session.set_cookie(response, request, session.LANG_COOKIE, lang, 365 * 24 * 3600)
    return response


def to(path: str) -> RedirectResponse:
    """A redirect that the browser follows with GET (303)."""
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)
