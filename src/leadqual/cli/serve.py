"""CLI command: `leadqual serve` — the REST API (OpenAPI at /docs), the tracker (/t.js) and its
collector (POST /collect) under uvicorn; `leadqual serve --collector` — the tracker and its
collector alone, the light worker to run as many of as the websites' traffic needs."""

from __future__ import annotations

from typing import Annotated

import typer

from leadqual.cli.common import AppState, app
from leadqual.errors import InvalidInput
from leadqual.settings import load_settings

__all__ = ["APP_FACTORIES", "collector_command", "run_server", "serve_cmd"]

# What uvicorn imports in each worker: the collector's factory leaves FastAPI, the dashboard and
# the ML stack unimported (a worker of ~140 MB instead of ~300 MB).
APP_FACTORIES = {
    False: "leadqual.api.app:create_app",
    True: "leadqual.api.app:create_collector_app",
}


@app.command("serve")
def serve_cmd(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8000,
    workers: Annotated[
        int, typer.Option("--workers", help="Worker processes (each opens its own store).")
    ] = 1,
    collector: Annotated[
        bool,
        typer.Option(
            "--collector",
            help="Serve only /t.js, POST /collect and /health (no API, no dashboard): a light, "
            "stateless worker to scale out behind a load balancer (docs/deployment.md).",
        ),
    ] = False,
) -> None:
    """Serve the dashboard (http://HOST:PORT/app), the REST API (docs at /docs), /t.js and POST
    /collect — or, with --collector, only the tracker and its collector. The dashboard and the
    API need a key: `leadqual keys create --role ROLE --name N`; the tracker needs a site:
    `leadqual sites add DOMAIN` (docs/tracking.md)."""
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    run_server(state.db, host=host, port=port, workers=workers, collector=collector)


def run_server(
    db: str | None, *, host: str, port: int, workers: int = 1, collector: bool = False
) -> None:
    """Run the app (``collector``: the collector-only app) under uvicorn on the store ``db``
    (default: the settings') until stopped."""
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
    if collector:
        # This process has imported every command (and with them pandas, scikit-learn…): the
        # collector starts afresh as `python -m uvicorn`, in place of this process, so neither it
        # nor the workers it spawns carry those ~140 MB.
        argv = collector_command(host=host, port=port, workers=workers,
                                 trust_forwarded=settings.tracking_trust_forwarded)
        os.execv(argv[0], argv)
    uvicorn.run(
        APP_FACTORIES[collector],
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        # One switch for the proxy headers: uvicorn's own reading of X-Forwarded-For (for its
        # access log and request.client) follows LEADQUAL_TRACKING_TRUST_FORWARDED too.
        proxy_headers=settings.tracking_trust_forwarded,
    )


def collector_command(*, host: str, port: int, workers: int, trust_forwarded: bool) -> list[str]:
    """The command line that runs the collector-only app under uvicorn (the store comes from
    ``LEADQUAL_DATABASE_URL``).

    >>> collector_command(host="0.0.0.0", port=8001, workers=2, trust_forwarded=True)[2:5]
    ['uvicorn', 'leadqual.api.app:create_collector_app', '--factory']
    """
    import sys

    return [
        sys.executable, "-m", "uvicorn", APP_FACTORIES[True], "--factory",
        "--host", host, "--port", str(port), "--workers", str(workers), "--log-level", "info",
        "--proxy-headers" if trust_forwarded else "--no-proxy-headers",
    ]
