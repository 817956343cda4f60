"""Putting the dashboard into the API's app: pages, static files, HTML errors, safe headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from leadqual.errors import LeadqualError
from leadqual.web import (
    pages_contract,
    pages_leads,
    pages_login,
    pages_reports,
    pages_visitors,
)
from leadqual.web.cache import ReportCache
from leadqual.web.rendering import STATIC_DIR, render
from leadqual.web.session import LoginRequired, read_session

__all__ = ["PREFIX", "mount_dashboard"]

PREFIX = "/app"

Handler = Callable[[Request, Exception], Response | Awaitable[Response]]


def _is_dashboard(request: Request) -> bool:
    path = request.url.path
    return path == PREFIX or path.startswith(PREFIX + "/")


def _html_errors(app: FastAPI, kind: type[Exception]) -> None:
    """For the dashboard's paths answer ``kind`` with an HTML page; elsewhere keep the API's
    JSON error body."""
    api_handler: Handler | None = app.exception_handlers.get(kind)

    async def handler(request: Request, exc: Exception) -> Response:
        if not _is_dashboard(request) and api_handler is not None:
            answer = api_handler(request, exc)
            return await answer if isinstance(answer, Awaitable) else answer
        request.state.viewer = read_session(request)
        if isinstance(exc, LeadqualError):
            status = exc.http_status if 400 <= exc.http_status < 500 else 500
            message = exc.message
        elif isinstance(exc, RequestValidationError):
            status, errors = 422, exc.errors()
            first: dict[str, Any] = errors[0] if errors else {}
            field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "query"))
            message = f"{field}: {first.get('msg', 'invalid value')}"
        else:
            raise exc
        return render(request, "error.html", {"message": message}, status_code=status)

    app.add_exception_handler(kind, handler)


def _to_login(request: Request, _exc: Exception) -> Response:
    return RedirectResponse(f"{PREFIX}/login", status_code=303)


def mount_dashboard(app: FastAPI) -> None:
    """Add the dashboard to ``app`` (made by ``create_app``: its state holds the store)."""
    app.state.report_cache = ReportCache()
    for module in (pages_login, pages_leads, pages_visitors, pages_reports, pages_contract):
        app.include_router(module.router, prefix=PREFIX, include_in_schema=False)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC_DIR), name="dashboard-static")
    app.add_exception_handler(LoginRequired, _to_login)
    _html_errors(app, LeadqualError)
    _html_errors(app, RequestValidationError)

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse(f"{PREFIX}/", status_code=307)
