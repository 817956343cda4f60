"""A small in-memory cache of the contract page's slow reports (the backtest trade-off and the
discovered criteria), one entry per report and contract version: they take seconds, and the
page must not. One cache per app (``app.state.report_cache``), shared by its request threads;
each worker process has its own."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["CachedReport", "ReportCache"]


@dataclass(frozen=True)
class CachedReport:
    value: Any
    computed_at: datetime


class ReportCache:
    """At most ``size`` reports, the least recently used dropped first.

    >>> cache = ReportCache(size=2)
    >>> cache.get(("tradeoff", 3, "fit"), lambda: 42, now=datetime(2026, 3, 1)).value
    42
    >>> ("tradeoff", 3, "fit") in cache, len(cache)
    (True, 1)
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, CachedReport] = OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def get(
        self, key: Hashable, compute: Callable[[], Any], *, now: datetime, refresh: bool = False
    ) -> CachedReport:
        """The cached report for ``key``, computed (outside the lock) when missing or asked to
        ``refresh``. An error while computing is raised and nothing is cached."""
        with self._lock:
            found = None if refresh else self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        entry = CachedReport(compute(), now)
        with self._lock:
            self._items[key] = entry
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return entry
