"""The one key question: thresholds against a brute-force scan, value sets, missing values."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.discover.attributes import Attribute
from leadqual.discover.conditions import Condition
from leadqual.discover.one_question import (
    LOOSE_TOLERANCE,
    NICE_TOLERANCE,
    Scanner,
    one_question,
)
from leadqual.discover.stats import Objective


def _brute_best(values: np.ndarray, y: np.ndarray, objective: Objective, op: str) -> float:
    """Every distinct value as a threshold, one Python loop — the slow, obvious scan (but the
    one that keeps every known value, which asks nothing)."""
    best = -np.inf
    positives = int(y.sum())
    distinct = np.unique(values[~np.isnan(values)])
    for t in distinct[1:] if op == ">=" else distinct[:-1]:
        m = values >= t if op == ">=" else values <= t
        score = float(objective.score(np.array((m & y).sum()), np.array(m.sum()), positives))
        best = max(best, score)
    return best


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 30) | st.none(), st.booleans()), min_size=5, max_size=60),
    st.sampled_from([">=", "<="]),
    st.sampled_from([1.0, 2.0]),
)
def test_best_threshold_matches_a_brute_force_scan(
    rows: list[tuple[int | None, bool]], op: str, beta: float
) -> None:
    values = np.array([np.nan if v is None else float(v) for v, _ in rows])
    y = np.array([lab for _, lab in rows])
    objective = Objective(beta=beta, min_support=2)
    brute = _brute_best(values, y, objective, op)
    scanner = Scanner([Attribute("x", "numeric", values)], y, objective)
    found = [s for s in scanner.best(0, np.ones(y.size, bool)) if s.condition.op == op]
    if not np.isfinite(brute):
        assert not found or not found[0].meets_target
        return
    s = found[0]
    mask = scanner.attributes[0].mask(s.condition)
    # The reported counts are those of the reported condition.
    assert (int(mask.sum()), int((mask & y).sum())) == (s.support, s.tp)
    tolerance = (LOOSE_TOLERANCE + NICE_TOLERANCE) * abs(brute) + 1e-9
    assert brute - tolerance <= s.score <= brute + 1e-9


def test_missing_values_never_match() -> None:
    a = Attribute("employees", "numeric", np.array([np.nan, 5.0, 500.0]))
    assert a.mask(Condition("employees", "<=", 1e9)).tolist() == [False, True, True]
    c = Attribute("industry", "category", np.array([-1, 0, 1], np.int32), ("retail", "software"))
    assert c.mask(Condition("industry", "in", ("retail", "software"))).tolist() == [
        False, True, True]


def test_threshold_is_a_nice_number_when_that_costs_nothing() -> None:
    rng = np.random.default_rng(0)
    values = rng.uniform(0, 1000, 4000)
    y = (values >= 400) & (rng.random(4000) < 0.6) | (rng.random(4000) < 0.02)
    scanner = Scanner([Attribute("employees", "numeric", values)], y, Objective())
    best = one_question(scanner)[0].condition
    assert best.op == ">=" and 360 <= best.value <= 440
    assert len(f"{best.value:g}".strip("0").replace(".", "")) <= 2


def test_value_sets_and_has_any_sets_are_found_and_rare_values_left_out() -> None:
    rng = np.random.default_rng(1)
    n = 3000
    codes = rng.integers(0, 5, n).astype(np.int32)
    codes[:3] = 5  # a rare category: 3 leads, all customers
    tech = rng.random((n, 4)) < 0.3
    y = (np.isin(codes, [1, 3]) & (rng.random(n) < 0.5)) | (rng.random(n) < 0.02)
    y[:3] = True
    y2 = (tech[:, 0] | tech[:, 2]) & (rng.random(n) < 0.5) | (rng.random(n) < 0.02)
    cat = Attribute("industry", "category", codes, ("a", "b", "c", "d", "e", "rare"))
    multi = Attribute("technologies", "multi", tech, ("shopify", "x", "magento", "y"))
    got = one_question(Scanner([cat], y, Objective()))[0].condition
    assert got.as_dict() == {"field": "industry", "op": "in", "value": ["b", "d"]}
    got2 = one_question(Scanner([multi], y2, Objective()))[0].condition
    assert got2.op == "in" and set(got2.value) == {"magento", "shopify"}
    assert got2.to_expression() == "has_any(technologies, 'magento', 'shopify')"
