"""The first-touch SLA: sales must first touch a new MQL within N *working* hours.

Working time is counted on a ``WorkingCalendar`` (working days, daily hours, holidays, a fixed UTC
offset). All arithmetic is vectorized over numpy ``datetime64`` arrays: a moment maps to the
working seconds elapsed since a reference working day (``working_seconds``), so that adding
working hours and measuring working time between two moments are a subtraction and its inverse —
no loop over days, whatever the span.

Times in and out are naive UTC; the calendar's ``utc_offset_hours`` shifts them to the team's
local clock (a fixed offset: daylight-saving changes are not followed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np

__all__ = [
    "DEFAULT_CALENDAR",
    "WEEKDAYS",
    "WorkingCalendar",
    "add_working_hours",
    "due_at",
    "working_hours_between",
    "working_seconds",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_S = np.timedelta64(1, "s")


@dataclass(frozen=True)
class WorkingCalendar:
    """When sales works: ``days`` (``WEEKDAYS`` names), from ``start`` to ``end`` (minutes after
    local midnight), minus ``holidays`` (local dates)."""

    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: int = 9 * 60
    end: int = 17 * 60
    holidays: tuple[date, ...] = ()
    utc_offset_hours: float = 0.0
    _days: np.busdaycalendar = field(init=False, repr=False, compare=False)
    _epoch: np.datetime64 = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise ValueError("working hours must satisfy 0 <= start < end <= 24:00")
        if not self.days or not set(self.days) <= set(WEEKDAYS):
            raise ValueError(f"working days must be some of {', '.join(WEEKDAYS)}")
        mask = [1 if d in self.days else 0 for d in WEEKDAYS]
        days = np.busdaycalendar(weekmask=mask, holidays=list(self.holidays))
        object.__setattr__(self, "_days", days)
        # The reference day is a working day, so day indexes and offsets invert each other.
        first = np.busday_offset(np.datetime64("2000-01-03", "D"), 0, "forward", busdaycal=days)
        object.__setattr__(self, "_epoch", first)

    @property
    def seconds_per_day(self) -> int:
        return (self.end - self.start) * 60


DEFAULT_CALENDAR = WorkingCalendar()


def _as_seconds(times: np.ndarray | datetime) -> np.ndarray:
    return np.asarray(np.datetime64(times, "s") if isinstance(times, datetime) else times).astype(
        "datetime64[s]"
    )


def working_seconds(times: np.ndarray | datetime, cal: WorkingCalendar) -> np.ndarray:
    """Working seconds from the calendar's reference day to each of ``times`` (UTC).

    Non-decreasing in time and flat outside working hours, so the working time between two
    moments is the difference of their values.
    """
    local = _as_seconds(times) + np.timedelta64(round(cal.utc_offset_hours * 3600), "s")
    day = local.astype("datetime64[D]")
    second = (local - day.astype("datetime64[s]")) // _S
    index = np.busday_count(cal._epoch, day, busdaycal=cal._days).astype(np.int64)
    open_today = np.is_busday(day, busdaycal=cal._days)
    within = np.clip(second - cal.start * 60, 0, cal.seconds_per_day)
    return np.asarray(index * cal.seconds_per_day + np.where(open_today, within, 0), np.int64)


def _from_working_seconds(total: np.ndarray, cal: WorkingCalendar) -> np.ndarray:
    """The earliest UTC moment at which ``working_seconds`` reaches each of ``total``."""
    per_day = cal.seconds_per_day
    full, rest = np.divmod(total, per_day)
    # An exact multiple ends a working day: the moment is that day's closing time.
    on_close = rest == 0
    day = np.busday_offset(cal._epoch, np.where(on_close, full - 1, full), busdaycal=cal._days)
    second = np.where(on_close, cal.end * 60, cal.start * 60 + rest)
    local = day.astype("datetime64[s]") + second * _S
    return np.asarray(local - np.timedelta64(round(cal.utc_offset_hours * 3600), "s"))


def add_working_hours(
    times: np.ndarray | datetime, hours: float | np.ndarray, cal: WorkingCalendar
) -> np.ndarray:
    """Each of ``times`` plus ``hours`` working hours (> 0), as ``datetime64[s]`` UTC.

    >>> cal = WorkingCalendar()  # Mon–Fri 09:00–17:00 UTC
    >>> str(add_working_hours(datetime(2026, 3, 6, 16, 0), 2, cal))  # a Friday, 16:00
    '2026-03-09T10:00:00'
    """
    seconds = np.round(np.asarray(hours, dtype=np.float64) * 3600).astype(np.int64)
    if np.any(seconds <= 0):
        raise ValueError("the SLA must be a positive number of working hours")
    return _from_working_seconds(working_seconds(times, cal) + seconds, cal)


def working_hours_between(
    start: np.ndarray | datetime, end: np.ndarray | datetime, cal: WorkingCalendar
) -> np.ndarray:
    """Working hours from ``start`` to ``end`` (negative when ``end`` comes first).

    >>> cal = WorkingCalendar()
    >>> float(working_hours_between(datetime(2026, 3, 6, 16), datetime(2026, 3, 9, 10), cal))
    2.0
    """
    return (working_seconds(end, cal) - working_seconds(start, cal)) / 3600.0


def due_at(assigned_at: datetime, hours: float, cal: WorkingCalendar) -> datetime:
    """The first-touch deadline of a lead assigned at ``assigned_at`` (naive UTC).

    >>> due_at(datetime(2026, 3, 6, 16, 30), 4, WorkingCalendar())
    datetime.datetime(2026, 3, 9, 12, 30)
    """
    value = add_working_hours(assigned_at, hours, cal)
    result: datetime = value.astype("datetime64[us]").item()
    return result
