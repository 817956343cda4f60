"""Tracked sites: public keys, allowed origins, and the collector's in-memory view of them.

>>> default_origins("acme.com")
['https://acme.com', 'https://www.acme.com']
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from leadqual.errors import Conflict, InvalidInput
from leadqual.ingest.fields import normalise_domain
from leadqual.store.database import Store
from leadqual.store.tables_tracking import Site

__all__ = ["SiteCache", "SiteInfo", "add_site", "default_origins", "list_sites",
           "normalise_origin"]

REFRESH_S = 30.0  # how stale the collector's list of sites may get
MISS_REFRESH_S = 1.0  # an unknown key reloads the list at most this often


@dataclass(frozen=True)
class SiteInfo:
    id: int
    domain: str
    public_key: str
    origins: tuple[str, ...]
    created_at: datetime


def default_origins(domain: str) -> list[str]:
    return [f"https://{domain}", f"https://www.{domain}"]


def normalise_origin(text: str) -> str:
    """``scheme://host[:port]`` of an origin or URL, lower-case; refuses anything else."""
    parts = urlsplit(text.strip().lower())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(f"origin {text!r}: expected scheme://host[:port], e.g. "
                           "https://www.acme.com", field="origin")
    return f"{parts.scheme}://{parts.netloc}"


def add_site(store: Store, domain: str, origins: list[str] | None, now: datetime) -> SiteInfo:
    """Register a site with a new public key; ``origins`` default to https://DOMAIN and www."""
    d = normalise_domain(domain)
    if "." not in d:
        raise InvalidInput(f"{domain!r} is not a web domain (e.g. acme.com)", field="domain")
    allowed = [normalise_origin(o) for o in origins] if origins else default_origins(d)
    key = "lq_" + secrets.token_urlsafe(18)
    try:
        with store.session() as s:
            site = Site(domain=d, public_key=key, origins=allowed, created_at=now)
            s.add(site)
            s.flush()
            site_id = site.id
    except IntegrityError as exc:
        raise Conflict(f"site {d} is already registered; `leadqual sites list` shows its key",
                       field="domain") from exc
    return SiteInfo(site_id, d, key, tuple(allowed), now)


def list_sites(store: Store) -> list[SiteInfo]:
    with store.session() as s:
        rows = s.execute(select(Site).order_by(Site.domain)).scalars().all()
        return [SiteInfo(r.id, r.domain, r.public_key, tuple(r.origins), r.created_at)
                for r in rows]


class SiteCache:
    """Sites by public key, reloaded every ``REFRESH_S`` seconds (and on an unknown key, at most
    once a second), so the hot path does not query the store for them."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_key: dict[str, SiteInfo] = {}
        self._origins: frozenset[str] = frozenset()
        self._loaded = 0.0

    def _reload(self) -> None:
        sites = list_sites(self.store)
        self._by_key = {s.public_key: s for s in sites}
        self._origins = frozenset(o for s in sites for o in s.origins)
        self._loaded = time.monotonic()

    def get(self, key: str) -> SiteInfo | None:
        age = time.monotonic() - self._loaded
        if age > REFRESH_S:
            self._reload()
        site = self._by_key.get(key)
        if site is None and time.monotonic() - self._loaded > MISS_REFRESH_S:
            self._reload()
            site = self._by_key.get(key)
        return site

    def any_allows(self, origin: str) -> bool:
        """Whether some site allows ``origin`` (for preflights, which carry no site key)."""
        if time.monotonic() - self._loaded > REFRESH_S:
            self._reload()
        return origin in self._origins
