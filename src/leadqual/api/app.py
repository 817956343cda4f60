"""The REST API: ``create_app(store, settings)`` builds a FastAPI app over the services;
``create_collector_app(settings)`` builds the tracker's collector alone (``/t.js``, ``POST
/collect`` with its CORS preflight, ``/health``) — what ``leadqual serve --collector`` runs on the
workers that take the websites' traffic.

Every error is a JSON body ``{"error": {"code", "message", "field"}}``: leadqual's errors keep
their HTTP status (404 not found, 409 conflict, 422 invalid input, 401/403 for keys and roles),
request validation is a 422, and a value the database refuses is a 422 too — a client's input
never causes a 500.

>>> # uvicorn.run(create_app(), port=8000)    # or: leadqual serve
>>> # uvicorn.run(create_collector_app(), port=8001)    # or: leadqual serve --collector

Only Starlette is imported with this module: FastAPI, the routers and the dashboard (which pull in
pandas, scikit-learn, LightGBM…) are imported by ``create_app``, so a collector worker never loads
them (~140 MB instead of ~300 MB).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DataError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from leadqual import __version__
from leadqual.errors import LeadqualError
from leadqual.settings import Settings, load_settings
from leadqual.store.database import Store, open_store

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["create_app", "create_collector_app", "error_body"]

log = logging.getLogger(__name__)

_ROUTERS = (
    "leadqual.api.routes_meta",
    "leadqual.api.routes_leads",
    "leadqual.api.routes_records",
    "leadqual.api.routes_events",
    "leadqual.api.routes_contract",
    "leadqual.api.routes_handoff",
    "leadqual.api.routes_admin",
)
_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
}


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    """The body of every error response."""
    return {"error": {"code": code, "message": message, "field": field}}


def _on_leadqual_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LeadqualError)
    status = exc.http_status if 400 <= exc.http_status < 500 else 500
    if status == 500:
        log.error("leadqual error with no client status: %s", exc.message)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(exc.code, exc.message, exc.field), status, headers=headers)


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _on_validation_error(_request: Request, exc: Exception) -> JSONResponse:
    from fastapi.exceptions import RequestValidationError

    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _location(tuple(first.get("loc", ())))
    message = f"{field}: {first.get('msg', 'invalid value')}"
    if len(errors) > 1:
        message += f" (and {len(errors) - 1} more problem(s))"
    return JSONResponse(error_body("invalid_input", message, field), 422)


def _on_http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _STATUS_CODES.get(exc.status_code, "error")
    return JSONResponse(
        error_body(code, str(exc.detail)), exc.status_code, headers=getattr(exc, "headers", None)
    )


def _on_data_error(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the validators let through (e.g. a NUL character in a string
    # on PostgreSQL): that is bad input, not a server fault.
    reason = str(getattr(exc, "orig", exc)).splitlines()[0]
    return JSONResponse(error_body("invalid_input", f"the database refused a value: {reason}"), 422)


def _include_collector(app: FastAPI, store: Store, settings: Settings) -> bool:
    """Mount the tracker collector's routes (``POST /collect``, ``GET /t.js``) when its module is
    there: plain Starlette routes with their own per-site keys, outside the OpenAPI schema."""
    try:
        collect = importlib.import_module("leadqual.api.collect")
    except ModuleNotFoundError as exc:
        if exc.name != "leadqual.api.collect":
            raise
        return False
    app.router.routes.extend(collect.collect_routes(store, settings))
    return True


def create_app(store: Store | None = None, settings: Settings | None = None) -> FastAPI:
    """The API over ``store`` (by default the store of ``settings.database_url``, opened and
    migrated here; it is then disposed of when the app shuts down).

    >>> # client = TestClient(create_app(open_store("sqlite:///leadqual.db")))
    """
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError

    from leadqual.web import mount_dashboard

    settings = settings or load_settings()
    owned = store is None
    the_store = store if store is not None else open_store(settings.database_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            the_store.dispose()

    app = FastAPI(
        title="leadqual",
        lifespan=lifespan,
        version=__version__,
        description=(
            "Lead qualification: leads with their fit, intent, score and reasons; the signed "
            "MQL/SQL contract; sales feedback. Send an API key as `Authorization: Bearer KEY` "
            "(or `X-API-Key: KEY`); `leadqual keys create --role ROLE --name NAME` makes one."
        ),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.store = the_store
    app.state.settings = settings
    app.add_exception_handler(LeadqualError, _on_leadqual_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(DataError, _on_data_error)
    for name in _ROUTERS:
        app.include_router(importlib.import_module(name).router)
    app.state.collector = _include_collector(app, the_store, settings)
    mount_dashboard(app)  # the web pages under /app (docs/dashboard.md)
    return app


async def _health(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


def create_collector_app(settings: Settings | None = None, store: Store | None = None
                         ) -> Starlette:
    """The collector alone: ``GET /t.js``, ``POST /collect`` (and its CORS preflight) and ``GET
    /health``; every other path is a JSON 404. It holds no state but caches (sites, bot verdicts,
    the IP resolver, the page-rate guard of its own visitors), so it scales by running more
    workers behind a load balancer (docs/deployment.md). The store is the one of
    ``settings.database_url`` unless given (opened and migrated here, disposed of at shutdown).

    >>> # uvicorn.run(create_collector_app(), port=8001)    # or: leadqual serve --collector
    """
    from leadqual.api.collect import collect_routes
    from leadqual.services.tracking import TrackingService

    settings = settings or load_settings()
    owned = store is None
    the_store = store if store is not None else open_store(settings.database_url)
    service = TrackingService(the_store, settings)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        service.warm()  # the first visitor does not wait for the IP tables to load
        yield
        service.close()
        if owned:
            the_store.dispose()

    routes = [*collect_routes(the_store, settings, service=service),
              Route("/health", _health, methods=["GET", "HEAD"])]
    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={StarletteHTTPException: _on_http_error})
    app.state.store = the_store
    app.state.settings = settings
    app.state.collector = True
    app.state.tracking = service
    return app
