"""Bots: by user agent (a compact built-in list, plus the maintained crawler-user-agents.json list
when loaded) and by behaviour (more page views per visitor than a person can make).

>>> BotFilter().match("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
'user_agent'
>>> BotFilter().match("Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0 Safari/537.36") is None
True
"""

from __future__ import annotations

import json
import re
from array import array
from collections import OrderedDict
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from leadqual.errors import InvalidInput

__all__ = ["BUILTIN_PATTERNS", "BotFilter", "PageRateGuard", "load_crawler_patterns"]

# The commonest crawlers, scripts and headless browsers; the full list is
# monperrus/crawler-user-agents (crawler-user-agents.json), loaded with ``load_crawler_patterns``.
BUILTIN_PATTERNS = (
    r"bot\b",
    r"bot/",
    r"crawl",
    r"spider",
    r"slurp",
    r"facebookexternalhit",
    r"HeadlessChrome",
    r"PhantomJS",
    r"Lighthouse",
    r"python-requests",
    r"python-urllib",
    r"aiohttp",
    r"httpx",
    r"curl/",
    r"Wget",
    r"Go-http-client",
    r"okhttp",
    r"Java/",
    r"libwww",
    r"Scrapy",
    r"axios/",
    r"node-fetch",
    r"Apache-HttpClient",
    r"feedfetcher",
    r"pingdom",
    r"UptimeRobot",
    r"StatusCake",
    r"Prerender",
    r"Screaming Frog",
    r"AhrefsBot",
    r"SemrushBot",
    r"MJ12bot",
    r"DotBot",
    r"PetalBot",
    r"YandexBot",
    r"bingbot",
    r"Googlebot",
    r"Applebot",
    r"DuckDuckBot",
    r"Baiduspider",
    r"GPTBot",
    r"ClaudeBot",
    r"CCBot",
)
# Distinct user agents remembered with their verdict: the full list costs ~1 ms per new agent.
UA_CACHE = 8192


def load_crawler_patterns(path: str | Path) -> list[str]:
    """The regular expressions of a crawler-user-agents.json file (``[{"pattern": …}, …]``)."""
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
        patterns = [str(item["pattern"]) for item in items]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise InvalidInput(
            f'{path}: not a crawler-user-agents.json list of {{"pattern": …}} objects ({exc}); '
            "use the file of github.com/monperrus/crawler-user-agents",
            field="path",
        ) from exc
    for p in patterns:
        try:
            re.compile(p)
        except re.error as exc:
            raise InvalidInput(f"{path}: pattern {p!r} is not a regular expression: {exc}") from exc
    return patterns


class BotFilter:
    """Tells bots from people by user agent; each verdict is cached per distinct agent."""

    def __init__(self, extra_patterns: Iterable[str] = ()) -> None:
        self._builtin = re.compile("|".join(f"(?:{p})" for p in BUILTIN_PATTERNS), re.IGNORECASE)
        extra = list(extra_patterns)
        self._extra = re.compile("|".join(f"(?:{p})" for p in extra)) if extra else None
        self.match = lru_cache(maxsize=UA_CACHE)(self._match)

    @classmethod
    def from_file(cls, path: str | Path) -> BotFilter:
        return cls(load_crawler_patterns(path))

    def _match(self, user_agent: str | None) -> str | None:
        """The drop reason for ``user_agent`` (``no_user_agent`` / ``user_agent``) or ``None``."""
        if not user_agent or not user_agent.strip():
            return "no_user_agent"
        if self._builtin.search(user_agent):
            return "user_agent"
        if self._extra is not None and self._extra.search(user_agent):
            return "user_agent"
        return None


class PageRateGuard:
    """Drops page views beyond ``max_views`` per visitor in any ``window_s`` seconds — faster
    than a person reads. A view re-sent with the same event id (the tracker retries, and re-sends
    a view with its time on page when the page is hidden) is the same view: it is let through
    and not counted again. Keeps the recent views of the visitors seen in the last ``window_s``
    seconds, at most ``max_visitors`` of them per worker (the least recently seen are forgotten),
    so memory stays bounded.

    Compact, because a collector worker keeps it for its whole life: a visitor is remembered by
    the 64-bit hash of its id, its views in the window as one ``array('q')`` of (millisecond
    time, event-id hash) pairs — ~250 bytes for a visitor with a few views, ~25 MB at the
    100,000-visitor cap (a deque of (time, id) tuples per visitor id took ~125 MB). Two ids with
    the same 64-bit hash (one in ~10¹⁹) would share a limit, or count a view as re-sent.

    >>> g = PageRateGuard(max_views=2, window_s=10)
    >>> [g.allow("v", t) for t in (0.0, 1.0, 2.0, 20.0)]
    [True, True, False, True]
    >>> g.allow("w", 0.0, "e1"), g.allow("w", 0.0, "e1"), g.allow("w", 1.0, "e2")
    (True, True, True)
    """

    def __init__(
        self, max_views: int = 30, window_s: float = 60.0, max_visitors: int = 100_000
    ) -> None:
        self.max_views, self.window_s, self.max_visitors = max_views, window_s, max_visitors
        self._window_ms = round(window_s * 1000)
        # visitor hash → [time_ms, event-id hash, time_ms, event-id hash, …] in arrival order
        self._recent: OrderedDict[int, array[int]] = OrderedDict()

    def __len__(self) -> int:
        """How many visitors are remembered."""
        return len(self._recent)

    def allow(self, visitor: str, t: float, event_id: str | None = None) -> bool:
        """Whether a page view of ``visitor`` at epoch seconds ``t`` looks human."""
        key = hash(visitor)
        recent = self._recent
        now_ms = round(t * 1000)
        views = recent.get(key)
        if views is None:
            self._forget(now_ms)
            views = recent[key] = array("q")
            if len(recent) > self.max_visitors:
                recent.popitem(last=False)
        else:
            recent.move_to_end(key)
        expired, oldest = 0, now_ms - self._window_ms
        while expired < len(views) and views[expired] <= oldest:
            expired += 2
        if expired:
            del views[:expired]
        seen = _NO_ID if event_id is None else hash(event_id)
        if event_id is not None and seen in views[1::2]:
            return True
        if len(views) >= 2 * self.max_views:
            return False
        views.append(now_ms)
        views.append(seen)
        return True


    def _forget(self, now_ms: int) -> None:
        """Drop (at most two of) the least recently seen visitors whose last view is out of the
        window: they can no longer be over the limit, so memory follows the visitors of the last
        ``window_s`` seconds, not the cap. (Views arrive roughly in time order; one from a
        skewed clock only delays the forgetting.)"""
        recent, oldest = self._recent, now_ms - self._window_ms
        for _ in range(2):
            if not recent:
                return
            key, views = next(iter(recent.items()))
            if views and views[-2] > oldest:
                return
            del recent[key]


_NO_ID = 0  # the event-id slot of a view sent without an id
