"""The adapters' clock. The store keeps naive UTC times, so "now" is taken once, here, in that
form; domain and contract code never read the clock (they are given ``now``).

>>> utc_now().tzinfo is None
True
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["utc_now"]


def utc_now() -> datetime:
    """The current time as naive UTC, as the store records it."""
    return datetime.now(UTC).replace(tzinfo=None)
