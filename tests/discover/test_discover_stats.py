"""The statistics: Wilson intervals, F-beta, the objective's constraints, nice thresholds."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from leadqual.discover.stats import Objective, fbeta, nicest_between, wilson_interval


@given(st.integers(0, 10_000), st.integers(0, 10_000))
def test_wilson_interval_contains_the_point_estimate(a: int, b: int) -> None:
    hits, n = min(a, b), max(a, b)
    lo, hi = wilson_interval(hits, n)
    p = hits / n if n else None
    assert 0.0 <= float(lo) <= float(hi) <= 1.0
    if p is not None:
        assert float(lo) <= p <= float(hi)
    else:
        assert (float(lo), float(hi)) == (0.0, 1.0)


def test_wilson_interval_narrows_with_more_data_and_matches_a_known_value() -> None:
    lo, hi = wilson_interval(np.array([8, 80]), np.array([10, 100]))
    assert (hi - lo)[1] < (hi - lo)[0]
    assert math.isclose(float(lo[0]), 0.4902, abs_tol=1e-4)
    assert math.isclose(float(hi[0]), 0.9433, abs_tol=1e-4)


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0.1, 5))
def test_fbeta_lies_between_precision_and_recall(p: float, r: float, beta: float) -> None:
    f = float(fbeta(np.array(p), np.array(r), beta))
    if p == 0 or r == 0:
        assert f == 0
    else:
        assert min(p, r) - 1e-9 <= f <= max(p, r) + 1e-9


def test_objective_refuses_what_misses_a_constraint() -> None:
    tp, support = np.array([10, 10, 2]), np.array([20, 100, 2])
    precise = Objective("precision", min_recall=0.5, min_support=5).score(tp, support, 20)
    assert precise[0] > precise[1] and precise[2] == -np.inf  # support 2 < 5
    broad = Objective("recall", min_precision=0.3).score(tp, support, 20)
    assert broad[1] == -np.inf and broad[0] > 0


@given(st.floats(-1e9, 1e9), st.floats(0.001, 1e9), st.booleans())
def test_nicest_between_selects_exactly_the_same_values(
    lo: float, width: float, upper: bool
) -> None:
    hi = lo + width
    if not hi > lo:
        return
    t = nicest_between(lo, hi, upper=upper)
    if upper:  # "x >= t" must keep hi and drop lo
        assert lo < t <= hi
    else:  # "x <= t" must keep lo and drop hi
        assert lo <= t < hi
