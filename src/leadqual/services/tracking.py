"""Website tracking use cases: collect the tracker's events, register and list sites, the snippet.

``TrackingService.collect`` is the whole of ``POST /collect`` except HTTP: validate the body,
find the site by its key, check the origin, prepare the events (server time, clock skew, bots) and
hand them to the write-behind writer, which commits them with other requests in one transaction
(visitor → contact on a form with an email, company identification, dedup by event id).

>>> # svc = TrackingService(store, settings)
>>> # reply = await svc.collect(body, ip="203.0.113.7", user_agent=ua, origin="https://acme.com")
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass
from typing import Any

from leadqual.clock import utc_now
from leadqual.errors import InvalidInput
from leadqual.identify.bots import BotFilter
from leadqual.identify.emails import EmailDomains
from leadqual.settings import Settings, load_settings
from leadqual.store.database import Store
from leadqual.tracking.collector import Collector, Outcome, Prepared
from leadqual.tracking.keys import privacy_key
from leadqual.tracking.payload import PayloadError, parse_payload
from leadqual.tracking.sites import SiteCache, SiteInfo, add_site, list_sites
from leadqual.tracking.writebehind import WriteBehind, WriteFailed

__all__ = ["CollectReply", "TrackingService", "add_site", "list_sites", "site_json", "snippet"]


@dataclass(frozen=True)
class CollectReply:
    status: int
    body: dict[str, Any]
    allow_origin: str | None = None


def _error(status: int, code: str, message: str, field: str | None = None,
           origin: str | None = None) -> CollectReply:
    return CollectReply(status, {"error": {"code": code, "message": message, "field": field}},
                        origin)


def snippet(site: SiteInfo, base_url: str = "https://leadqual.example.com") -> str:
    """The HTML to paste before ``</head>`` of every page of the site."""
    base = base_url.rstrip("/")
    return (
        "<script>window.leadqual=window.leadqual||function(){(leadqual.q=leadqual.q||[])"
        ".push(arguments)};</script>\n"
        f'<script async src="{base}/t.js" data-site="{site.public_key}" '
        f'data-endpoint="{base}/collect"></script>'
    )


def site_json(site: SiteInfo, base_url: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": site.id, "domain": site.domain, "key": site.public_key,
                           "origins": list(site.origins), "created_at": site.created_at}
    if base_url is not None:
        out["snippet"] = snippet(site, base_url)
    return out


def build_collector(store: Store, settings: Settings, *, resolver: Any = "load") -> Collector:
    """A collector with the bot and email-domain lists the settings name."""
    now = utc_now()
    bots = (BotFilter.from_file(settings.tracking_crawler_list)
            if settings.tracking_crawler_list else BotFilter())
    emails = EmailDomains.from_files(settings.free_email_lists, settings.disposable_email_lists)
    return Collector(store, settings, key=privacy_key(store, settings, now), bots=bots,
                     emails=emails, resolver=resolver)


class TrackingService:
    """The collector of one worker process: sites cached, lists and resolver loaded once (on
    the first request), writes grouped by ``WriteBehind``."""

    def __init__(self, store: Store, settings: Settings | None = None, *,
                 resolver: Any = "load") -> None:
        self.store = store
        self.settings = settings or load_settings()
        self.sites = SiteCache(store)
        self._resolver = resolver
        self._collector: Collector | None = None
        self._writer: WriteBehind[Prepared, Outcome] | None = None

    @property
    def collector(self) -> Collector:
        if self._collector is None:
            self._collector = build_collector(self.store, self.settings, resolver=self._resolver)
            # What was just loaded (IP tables, bot patterns, caches) lives as long as the
            # process: taken out of the cyclic GC's scans, which otherwise walk it again and
            # again under load (~90 µs a single-event request, measured by bench.collector).
            # Objects freed by reference counting are still freed.
            gc.collect()
            gc.freeze()
        return self._collector

    def warm(self) -> None:
        """Load the lists, the resolver and the writer now, not on the first request."""
        _ = self.writer

    def close(self) -> None:
        """Write what is queued and stop the writer thread."""
        if self._writer is not None:
            self._writer.close()

    @property
    def writer(self) -> WriteBehind[Prepared, Outcome]:
        if self._writer is None:
            self._writer = WriteBehind(self.collector.write)
        return self._writer

    def preflight(self, origin: str | None) -> str | None:
        """The origin to allow in a CORS preflight (``None``: refuse)."""
        return origin if origin and self.sites.any_allows(origin) else None

    async def collect(self, body: bytes, *, ip: str | None, user_agent: str | None,
                      origin: str | None, now: float | None = None) -> CollectReply:
        """Validate, check the site and origin, prepare and store; the reply to send."""
        s = self.settings
        try:
            payload = parse_payload(body, max_events=s.tracking_max_events,
                                    max_bytes=s.tracking_max_body_bytes)
        except PayloadError as exc:
            allow = origin if origin and self.sites.any_allows(origin) else None
            return _error(exc.http_status, exc.code, exc.message, exc.field, allow)
        site = self.sites.get(payload.site)
        if site is None:
            return _error(404, "unknown_site", f"site key {payload.site!r} is not registered; "
                          "`leadqual sites list` shows the keys", "site")
        if origin is not None and origin not in site.origins:
            return _error(403, "origin_not_allowed", f"origin {origin} may not post for "
                          f"{site.domain}; allowed: {', '.join(site.origins)} "
                          "(`leadqual sites add --origin`)", "origin")
        prepared = self.collector.prepare(payload, site.id, ip, user_agent,
                                          time.time() if now is None else now)
        try:
            outcome = await self.writer.submit(prepared)
        except WriteFailed as exc:
            return _error(503, "store_unavailable", str(exc), None, origin)
        return CollectReply(200, outcome.as_json(), origin)


def check_base_url(base_url: str) -> str:
    if not base_url.startswith(("http://", "https://")):
        raise InvalidInput(f"--base-url {base_url!r}: expected http(s)://host where leadqual "
                           "serves /t.js and /collect", field="base_url")
    return base_url
