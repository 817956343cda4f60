"""The collector app with a part of ``POST /collect`` taken away, for ``bench.collector
--breakdown``: what the HTTP of a POST with a body costs, and what validation and the bot filter
add before anything is stored. Benchmark-only apps (uvicorn factories), never served.

- ``drain_app``: ``/collect`` reads the body and sends a reply of the real size, nothing else;
- ``unstored_app``: validation, site and origin checks, server time, bot filter and page-rate
  guard as served, then the reply, with the write-behind writer replaced by an immediate answer.
"""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette

from leadqual.api.app import create_collector_app
from leadqual.services.tracking import CollectReply
from leadqual.tracking.collector import Outcome, Prepared


def drain_app() -> Starlette:
    app = create_collector_app()

    async def collect(body: bytes, *, ip: str | None, user_agent: str | None,
                      origin: str | None, now: float | None = None) -> CollectReply:
        return CollectReply(200, {"stored": 1, "duplicates": 0, "dropped": {}}, origin)

    app.state.tracking.collect = collect
    return app


class _Unstored:
    """In place of ``WriteBehind``: every request answered at once, nothing written."""

    async def submit(self, prepared: Prepared) -> Outcome:
        return Outcome(len(prepared.rows), 0, dict(prepared.dropped))

    def close(self, *_: Any) -> None:
        pass


def unstored_app() -> Starlette:
    app = create_collector_app()
    app.state.tracking._writer = _Unstored()
    return app
