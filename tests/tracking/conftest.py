"""The collector over real HTTP, in process: the app of ``create_app`` behind
``httpx.ASGITransport``, on a real store (SQLite and PostgreSQL), driven from plain synchronous
tests through one event loop per test (an anyio blocking portal), so the write-behind writer and
hypothesis run as they do in a server."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from sqlalchemy import select

from leadqual.api.app import create_app, create_collector_app
from leadqual.settings import Settings
from leadqual.store.database import Store
from leadqual.store.models import Event
from leadqual.store.tables_tracking import BotDrop
from leadqual.tracking.sites import SiteInfo, add_site
from tests.conftest import ROOT as ROOT_DIR
from tests.conftest import shared_data

__all__ = ["ROOT_DIR"]

ORIGIN = "https://acme.example"
BROWSER_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
CLIENT_IP = "198.51.100.23"
T0 = datetime(2026, 1, 1)


def new_id() -> str:
    return str(uuid.uuid4())


def page_view(**kw: Any) -> dict[str, Any]:
    """An event as t.js sends it; ``ts`` defaults to now."""
    return {
        "id": new_id(),
        "type": "page_view",
        "ts": time.time(),
        "visitor": "v-000001",
        "url": "https://acme.example/pricing",
        "referrer": None,
        "title": "Pricing",
        **kw,
    }


@dataclass
class Collector:
    """``POST /collect`` and ``GET /t.js`` of one app over ``store``."""

    store: Store
    site: SiteInfo
    portal: BlockingPortal
    client: httpx.AsyncClient
    calls: list[httpx.Response] = field(default_factory=list)

    def post(
        self,
        body: bytes | dict[str, Any],
        *,
        origin: str | None = ORIGIN,
        user_agent: str | None = BROWSER_UA,
        **headers: str,
    ) -> httpx.Response:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        h = {"Content-Type": "text/plain", **headers}
        if origin is not None:
            h["Origin"] = origin
        if user_agent is not None:
            h["User-Agent"] = user_agent
        return self.request("POST", "/collect", content=raw, headers=h)

    def send(self, *events: dict[str, Any], **kw: Any) -> httpx.Response:
        """The events in one batch for this site; ``sent_at`` is now unless given."""
        sent_at = kw.pop("sent_at", time.time())
        return self.post(
            {"site": self.site.public_key, "sent_at": sent_at, "events": list(events)}, **kw
        )

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        response = self.portal.call(partial(self.client.request, method, path, **kw))
        self.calls.append(response)
        return response

    def events(self) -> list[Event]:
        with self.store.session() as s:
            rows = s.execute(select(Event).order_by(Event.occurred_at, Event.id)).scalars().all()
            s.expunge_all()
            return list(rows)

    def drops(self) -> dict[str, int]:
        with self.store.session() as s:
            out: dict[str, int] = {}
            for r in s.execute(select(BotDrop)).scalars():
                out[r.reason] = out.get(r.reason, 0) + r.count
            return out


def collector_settings(store: Store, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": store.engine.url.render_as_string(hide_password=False),
        "privacy_key": "test-key",
        "tracking_crawler_list": shared_data("email-domains-and-bots/crawler-user-agents.json"),
        "free_email_lists": [shared_data("email-domains-and-bots/freemail-free.txt")],
        "disposable_email_lists": [shared_data("email-domains-and-bots/freemail-disposable.txt")],
        **overrides,
    }
    return Settings(**values)


def open_collector(store: Store, settings: Settings, site: SiteInfo, *,
                   collector_only: bool = False) -> Iterator[Collector]:
    """The collector of ``create_app`` (or, ``collector_only``, of ``create_collector_app``)."""
    app: Any = (create_collector_app(settings, store) if collector_only
                else create_app(store, settings))
    transport = httpx.ASGITransport(app, raise_app_exceptions=False, client=(CLIENT_IP, 40000))
    with start_blocking_portal(backend="asyncio") as portal:
        client = portal.call(_client, transport)
        try:
            yield Collector(store, site, portal, client)
        finally:
            portal.call(client.aclose)


async def _client(transport: httpx.ASGITransport) -> httpx.AsyncClient:
    client = httpx.AsyncClient(transport=transport, base_url="http://collector.test")
    del client.headers["user-agent"]  # each request says who it is (or that it says nothing)
    return client


@pytest.fixture
def site(store: Store) -> SiteInfo:
    return add_site(store, "acme.example", None, T0)


@pytest.fixture
def collector(store: Store, site: SiteInfo) -> Iterator[Collector]:
    """The collector of a fresh app on SQLite and on PostgreSQL, with the maintained bot list."""
    yield from open_collector(store, collector_settings(store), site)
