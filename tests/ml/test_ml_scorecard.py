"""The points scorecard on its own: integer points, contract expressions that mean what the bins
mean, a score that is the sum of the points passed, and a fit section the contract loader
accepts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.contract import load_contract, starter_contract_text
from leadqual.contract.compose import with_fit
from leadqual.errors import InvalidInput
from leadqual.ml.scorecard import Bin, Scorecard


def _table(n: int = 600, seed: int = 0) -> tuple[pa.Table, np.ndarray]:
    rng = np.random.default_rng(seed)
    employees = rng.integers(1, 5000, n).astype(float)
    employees[rng.random(n) < 0.1] = np.nan
    industry = rng.choice(["software", "retail", "o'brien & co", "health"], n)
    techs = [["shopify"] if rng.random() < 0.3 else ["wix", "stripe"] for _ in range(n)]
    logit = -2 + 1.5 * (industry == "software") + np.nan_to_num(employees > 1000) * 1.2
    logit += np.array([1.0 if "shopify" in t else 0.0 for t in techs])
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    table = pa.table(
        {
            "employees": pa.array(employees, pa.float64(), from_pandas=True),
            "industry": industry.tolist(),
            "technologies": pa.array(techs, pa.list_(pa.string())),
        }
    )
    return table, y


FEATURES = ["employees", "industry", "technologies"]


def test_points_are_integers_and_the_score_sums_them() -> None:
    table, y = _table()
    card = Scorecard(FEATURES, C=1.0).fit(table, y)
    assert card.points_.dtype.kind == "i"
    crits = card.criteria()
    assert crits and all(isinstance(c.points, int) and c.points != 0 for c in crits)
    by_hand = np.zeros(table.num_rows, dtype=np.int64)
    for b, pts in zip(card.bins_, card.points_, strict=True):
        by_hand += b.mask(table) * int(pts)
    assert (card.score(table) == by_hand).all()
    # the signal planted on software, big companies and shopify earns positive points
    names = {c.name: c.points for c in crits}
    assert names["industry_software"] > 0 and names["uses_shopify"] > 0


def test_twenty_points_double_the_odds() -> None:
    table, y = _table()
    card = Scorecard(FEATURES, C=1.0, points_to_double=20).fit(table, y)
    assert card.factor_ == pytest.approx(20 / np.log(2))
    p = card.predict_proba(table)[:, 1]
    s = card.score(table)
    a, b = int(np.argmin(s)), int(np.argmax(s))
    odds = p / (1 - p)
    assert odds[b] / odds[a] == pytest.approx(2 ** ((s[b] - s[a]) / 20), rel=1e-6)


def test_fit_section_loads_into_the_starter_contract() -> None:
    table, y = _table()
    card = Scorecard(FEATURES, C=1.0).fit(table, y)
    text = with_fit(starter_contract_text(), card.to_contract_fit(), name="Learned points")
    contract = load_contract(text)
    assert [c.name for c in contract.fit] == [c.name for c in card.criteria()]
    assert [c.points for c in contract.fit] == [c.points for c in card.criteria()]
    snippet = yaml.safe_load(card.to_contract_fit())
    assert all(set(c) == {"name", "when", "points", "description"} for c in snippet["fit"])


def test_text_with_quotes_is_escaped() -> None:
    b = Bin("industry", "value", value="o'brien & co")
    assert b.when == "industry = 'o''brien & co'"
    assert b.name == "industry_o_brien_co"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=60),
    st.floats(-1e6, 1e6, allow_nan=False),
    st.floats(0, 1e5, allow_nan=False),
)
def test_numeric_bins_cover_every_value_once(
    values: list[float | None], lo: float, width: float
) -> None:
    from leadqual.ml.scorecard import _round2

    a, b = _round2(lo), _round2(lo + width)
    if a >= b:
        return
    bins = [
        Bin("employees", "below", hi=a),
        Bin("employees", "range", lo=a, hi=b),
        Bin("employees", "from", lo=b),
        Bin("employees", "null"),
    ]
    table = pa.table({"employees": pa.array(values, pa.float64())})
    hits = np.column_stack([x.mask(table) for x in bins]).sum(axis=1)
    assert (hits == 1).all()


def test_needs_both_classes_and_some_bins() -> None:
    table, y = _table()
    with pytest.raises(ValueError, match="both classes"):
        Scorecard(FEATURES).fit(table, np.zeros_like(y))
    with pytest.raises(InvalidInput, match="import more history"):
        Scorecard(FEATURES, min_count=10_000).fit(table, y)


def test_max_features_keeps_the_strongest_features_only() -> None:
    table, y = _table(1500, seed=4)
    noise = np.random.default_rng(9).normal(size=table.num_rows)
    table = table.append_column("noise", pa.array(noise))
    full = Scorecard([*table.column_names], C=1.0, max_features=None).fit(table, y)
    two = Scorecard([*table.column_names], C=1.0, max_features=2).fit(table, y)
    assert {b.feature for b in full.bins_} >= {"industry", "employees", "noise"}
    kept = {b.feature for b in two.bins_}
    assert len(kept) == 2 and kept < {"industry", "employees", "technologies"}  # planted ones
    assert len(two.criteria()) < len(full.criteria())
