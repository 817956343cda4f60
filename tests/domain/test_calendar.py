from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from leadqual.domain.calendar import month_ends


def test_month_ends_ignore_the_time_of_day_and_stop_at_the_end() -> None:
    ends = month_ends(datetime(2026, 11, 29, 23, 54, 27), 3)
    assert ends == [
        datetime(2026, 9, 30, 23, 59, 59),
        datetime(2026, 10, 31, 23, 59, 59),
        datetime(2026, 11, 29, 23, 59, 59),
    ]


@given(
    end=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)),
    months=st.integers(1, 36),
)
def test_one_end_per_month_each_the_last_second(end: datetime, months: int) -> None:
    ends = month_ends(end, months)
    assert len(ends) == months and ends == sorted(ends)
    for e in ends[:-1]:
        assert (e + timedelta(seconds=1)).day == 1
    assert ends[-1].date() == end.date()
    assert len({(e.year, e.month) for e in ends}) == months
