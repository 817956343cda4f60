from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadqual.domain.decay import capped_sums, decayed_points

ages = st.floats(min_value=0, max_value=3650, allow_nan=False)
half_lives = st.floats(min_value=0.5, max_value=365, allow_nan=False)


@given(age=ages, half_life=half_lives, points=st.floats(min_value=0, max_value=1000))
def test_points_halve_every_half_life(age: float, half_life: float, points: float) -> None:
    now, later = decayed_points(points, np.array([age, age + half_life]), half_life)
    assert later == pytest.approx(now / 2, rel=1e-9, abs=1e-12)


@given(a=ages, b=ages, half_life=half_lives)
def test_older_events_are_worth_less(a: float, b: float, half_life: float) -> None:
    pa, pb = decayed_points(10.0, np.array([a, b]), half_life)
    assert (pa >= pb) == (a <= b) or pa == pb


def test_future_events_are_worth_nothing() -> None:
    assert decayed_points(10.0, np.array([-0.001]), 7.0).tolist() == [0.0]


def test_rejects_a_non_positive_half_life() -> None:
    with pytest.raises(ValueError, match="half_life_days"):
        decayed_points(10.0, np.array([1.0]), 0.0)


@given(
    values=st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=50),
    cap=st.floats(min_value=0.1, max_value=500),
    data=st.data(),
)
def test_capped_sums_never_exceed_the_cap_and_equal_the_sum_below_it(
    values: list[float], cap: float, data: st.DataObject
) -> None:
    groups = np.array(data.draw(st.lists(st.integers(0, 4), min_size=len(values),
                                         max_size=len(values))))
    got = capped_sums(groups, np.array(values), 5, cap)
    for g in range(5):
        total = sum(v for v, k in zip(values, groups, strict=True) if k == g)
        assert got[g] == pytest.approx(min(total, cap))
