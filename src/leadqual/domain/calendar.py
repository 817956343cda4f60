"""Calendar arithmetic for replays and monthly runs. Pure: dates in, dates out."""

from __future__ import annotations

from datetime import datetime, timedelta

__all__ = ["month_ends"]


def month_ends(end: datetime, months: int) -> list[datetime]:
    """The last moment of each of the ``months`` months up to ``end`` (oldest first).

    >>> [d.date().isoformat() for d in month_ends(datetime(2026, 3, 31), 3)]
    ['2026-01-31', '2026-02-28', '2026-03-31']
    """
    out = []
    month_start = end.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first_of_next = (month_start + timedelta(days=32)).replace(day=1)
    for _ in range(months):
        out.append(first_of_next - timedelta(seconds=1))
        first_of_next = (first_of_next - timedelta(days=1)).replace(day=1)
    out.reverse()
    last = out[-1]
    out[-1] = min(last, end.replace(hour=23, minute=59, second=59))
    return out
