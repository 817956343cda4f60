"""CLI command: `leadqual serve` — the REST API (OpenAPI at /docs), the tracker (/t.js) and its
collector (POST /collect) under uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from leadqual.cli.common import AppState, app
from leadqual.errors import InvalidInput
from leadqual.settings import load_settings

__all__ = ["run_server", "serve_cmd"]


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (each opens its own store).")
    ] = 1,
) -> None:
    """Serve the dashboard (http://HOST:PORT/app), the REST API (docs at /docs), /t.js and POST
    /collect. The dashboard and the API need a key: `leadqual keys create --role ROLE --name N`;
    the tracker needs a site: `leadqual sites add DOMAIN` (docs/tracking.md)."""
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    run_server(state.db, host=host, port=port, workers=workers)


def run_server(db: str | None, *, host: str, port: int, workers: int = 1) -> None:
    """Run the app under uvicorn on the store ``db`` (default: the settings') until stopped."""
    import os

    import uvicorn

    if not 0 < port < 65536:
        raise InvalidInput(f"--port {port} is not a TCP port (1–65535)", field="port")
    if workers < 1:
        raise InvalidInput("--workers must be at least 1", field="workers")
    settings = load_settings(db)
    # Workers are separate processes that build the app from the environment: hand the store
    # URL down that way (the app factory reads LEADQUAL_DATABASE_URL through the settings).
    os.environ["LEADQUAL_DATABASE_URL"] = settings.database_url
    uvicorn.run(
        "leadqual.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # One switch for the proxy headers: uvicorn's own reading of X-Forwarded-For (for its
        # access log and request.client) follows LEADQUAL_TRACKING_TRUST_FORWARDED too.
        proxy_headers=settings.tracking_trust_forwarded,
    )
