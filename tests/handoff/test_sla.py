from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.handoff.sla import (
    WEEKDAYS,
    WorkingCalendar,
    add_working_hours,
    due_at,
    working_hours_between,
    working_seconds,
)

CAL = WorkingCalendar()
times = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31))
calendars = st.builds(
    lambda days, start, length, offset, holidays: WorkingCalendar(
        days=tuple(d for d in WEEKDAYS if d in days),
        start=start,
        end=min(start + length, 24 * 60),
        utc_offset_hours=offset,
        holidays=tuple(holidays),
    ),
    st.sets(st.sampled_from(WEEKDAYS), min_size=1),
    st.integers(0, 20 * 60),
    st.integers(30, 12 * 60),
    st.sampled_from([0.0, 1.0, -5.0, 5.5]),
    st.lists(st.dates(date(2024, 1, 1), date(2028, 12, 31)), max_size=5),
)


def _brute_hours(start: datetime, end: datetime, cal: WorkingCalendar) -> float:
    """Working minutes counted one by one (the reference for short spans)."""
    minutes = 0
    t = start.replace(second=0, microsecond=0)
    offset = timedelta(hours=cal.utc_offset_hours)
    while t < end:
        local = t + offset
        minute = local.hour * 60 + local.minute
        if (
            WEEKDAYS[local.weekday()] in cal.days
            and local.date() not in cal.holidays
            and cal.start <= minute < cal.end
        ):
            minutes += 1
        t += timedelta(minutes=1)
    return minutes / 60


def test_examples_over_a_weekend_and_at_day_boundaries() -> None:
    friday = datetime(2026, 3, 6, 16)
    assert due_at(friday, 2, CAL) == datetime(2026, 3, 9, 10)
    assert due_at(datetime(2026, 3, 7, 12), 1, CAL) == datetime(2026, 3, 9, 10)  # Saturday
    assert due_at(datetime(2026, 3, 9, 8), 8, CAL) == datetime(2026, 3, 9, 17)  # a whole day
    assert due_at(datetime(2026, 3, 9, 18), 8, CAL) == datetime(2026, 3, 10, 17)
    assert float(working_hours_between(friday, datetime(2026, 3, 9, 10), CAL)) == 2.0
    with pytest.raises(ValueError, match="positive"):
        add_working_hours(friday, 0, CAL)


def test_holidays_and_offsets() -> None:
    cal = WorkingCalendar(holidays=(date(2026, 12, 25),), utc_offset_hours=1)
    # Thursday 24 Dec 16:00 local (15:00 UTC) + 2h: 17:00 local, Friday is a holiday → Monday.
    assert due_at(datetime(2026, 12, 24, 15), 2, cal) == datetime(2026, 12, 28, 9)


@settings(max_examples=200, deadline=None)
@given(start=times, hours=st.floats(0.01, 2000), cal=calendars)
def test_adding_then_measuring_gives_the_hours_back(
    start: datetime, hours: float, cal: WorkingCalendar
) -> None:
    due = add_working_hours(start, hours, cal)
    assert due >= np.datetime64(start, "s")
    back = float(working_hours_between(start, due.astype("datetime64[us]").item(), cal))
    assert back == pytest.approx(round(hours * 3600) / 3600, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(start=times, span_minutes=st.integers(0, 4 * 24 * 60), cal=calendars)
def test_matches_counting_minute_by_minute(
    start: datetime, span_minutes: int, cal: WorkingCalendar
) -> None:
    start = start.replace(second=0, microsecond=0)
    end = start + timedelta(minutes=span_minutes)
    assert float(working_hours_between(start, end, cal)) == pytest.approx(
        _brute_hours(start, end, cal)
    )


@settings(max_examples=100, deadline=None)
@given(stamps=st.lists(times, min_size=2, max_size=50), cal=calendars)
def test_vectorized_equals_one_at_a_time_and_is_monotonic(
    stamps: list[datetime], cal: WorkingCalendar
) -> None:
    stamps = sorted(stamps)
    arr = np.array(stamps, dtype="datetime64[s]")
    together = working_seconds(arr, cal)
    one_by_one = [int(working_seconds(t, cal)) for t in stamps]
    assert together.tolist() == one_by_one
    assert np.all(np.diff(together) >= 0)


def test_bad_calendars_are_refused() -> None:
    with pytest.raises(ValueError, match="working hours"):
        WorkingCalendar(start=600, end=600)
    with pytest.raises(ValueError, match="working days"):
        WorkingCalendar(days=("mon", "funday"))
