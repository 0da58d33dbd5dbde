"""The API's reading pages, ``/docs`` (Swagger UI) and ``/redoc``, served without a CDN.

FastAPI's own pages load Swagger UI, ReDoc, a favicon and Google Fonts from
other hosts, so on a machine without internet they are blank. Here every
script, style sheet and icon comes from the pinned package
``fastapi-standalone-docs`` (Swagger UI 5 and ReDoc 2 standalone builds),
whose folder is served under :data:`ASSETS_URL`; the pages name no other host.
Swagger UI's online validator badge is turned off too: it would send the
document's address to validator.swagger.io.

``swagger-ui-bundle`` 1.1.0 was not used: its Swagger UI 4.15.5 reads
OpenAPI 3.0 only and refuses FastAPI's 3.1 document ("Unable to render this
definition"), and it has no ReDoc.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS_URL: Final = "/docs-assets"
"""Where the pages' scripts, styles and icon are served from."""

ASSETS_DIR: Final = Path(str(files("fastapi_standalone_docs") / "static"))
"""The package's ``swagger/``, ``redoc/`` and ``fastapi/`` (the icon) folders."""

SWAGGER_UI_PARAMETERS: Final = {"validatorUrl": None}
"""Swagger UI's options beside FastAPI's defaults: no online validator."""


def add_docs_pages(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` from local assets; create the app with
    ``docs_url=None, redoc_url=None`` so FastAPI's CDN pages are not there too."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    def openapi_url(root: str) -> str:
        return root + (app.openapi_url or "/openapi.json")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return get_swagger_ui_html(
            openapi_url=openapi_url(root),
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}{ASSETS_URL}/swagger/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{ASSETS_URL}/swagger/swagger-ui.css",
            swagger_favicon_url=f"{root}{ASSETS_URL}/fastapi/favicon.png",
            swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc(request: Request) -> HTMLResponse:
        root = _root_path(request)
        return get_redoc_html(
            openapi_url=openapi_url(root),
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{root}{ASSETS_URL}/redoc/redoc.standalone.js",
            redoc_favicon_url=f"{root}{ASSETS_URL}/fastapi/favicon.png",
            with_google_fonts=False,
        )


def _root_path(request: Request) -> str:
    """The prefix a proxy serves the app under (``--root-path``), as FastAPI's own pages use it."""
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/")
