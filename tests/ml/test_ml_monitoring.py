"""Monitoring's pure parts: PSI (zero for identical distributions, growing with a shift),
calibration bins whose counts add up, AUC by month, and the report drawn as PNG and HTML."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.ml.monitoring import (
    auc_by_month,
    calibration_bins,
    psi_categorical,
    psi_level,
    psi_numeric,
    psi_shares,
    render_html,
    render_png,
)

shares = st.lists(st.floats(0.01, 100), min_size=2, max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=200))
def test_psi_is_zero_for_identical_numbers(values: list[float]) -> None:
    x = np.array(values)
    assert psi_numeric(x, x) == 0.0
    assert psi_numeric(x, x.copy()[::-1]) == 0.0


@settings(max_examples=60, deadline=None)
@given(shares, st.data())
def test_psi_grows_as_a_distribution_moves_away(expected: list[float], data: st.DataObject) -> None:
    e = np.array(expected) / sum(expected)
    target = np.array(data.draw(st.lists(st.floats(0.01, 100), min_size=e.size, max_size=e.size)))
    target /= target.sum()
    steps = [psi_shares(e, (1 - t) * e + t * target) for t in np.linspace(0, 1, 6)]
    assert steps[0] == 0.0
    assert all(b >= a - 1e-12 for a, b in itertools.pairwise(steps))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.floats(0.8, 3.0))
def test_psi_flags_a_shifted_sample(seed: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=2000)
    small = psi_numeric(x, rng.normal(size=2000))
    moved = psi_numeric(x, rng.normal(size=2000) + shift)
    assert small < 0.1 and moved > 0.25 and psi_level(moved) == "large"


def test_categorical_psi_counts_unseen_values_as_other() -> None:
    assert psi_categorical(["a", None, "b"], ["b", None, "a"]) == 0.0
    assert psi_categorical(["a"] * 50 + ["b"] * 50, ["c"] * 100) > 0.25


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.floats(0, 1)), min_size=0, max_size=300))
def test_calibration_bin_counts_add_up(rows: list[tuple[bool, float]]) -> None:
    y = np.array([r[0] for r in rows], dtype=int)
    p = np.array([r[1] for r in rows], dtype=float)
    bins = calibration_bins(y, p)
    assert sum(b.n for b in bins) == len(rows)
    assert len(bins) <= 10 and all(0 <= b.observed <= 1 for b in bins)
    assert [b.bin for b in bins] == list(range(1, len(bins) + 1))
    preds = [b.predicted for b in bins]
    assert preds == sorted(preds)


def test_auc_by_month_in_month_order() -> None:
    out = auc_by_month(
        [1, 0, 1, 0], [0.9, 0.1, 0.2, 0.8], ["2026-02", "2026-02", "2026-01", "2026-01"]
    )
    assert [(m.month, m.auc, m.n) for m in out] == [("2026-01", 0.0, 2), ("2026-02", 1.0, 2)]


def test_render_png_and_html() -> None:
    cal = calibration_bins([0, 1, 0, 1], [0.1, 0.7, 0.3, 0.9], bins=2)
    months = auc_by_month([0, 1], [0.2, 0.8], ["2026-01", "2026-01"])
    drift = {"p_win": 0.02, "employees": 0.3}
    png = render_png(cal, months, drift, "Model v1")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    page = render_html(cal, months, drift, "Model v1", png)
    assert 'id="calibration"' in page and 'id="auc-by-month"' in page and 'id="drift"' in page
    assert "<td>employees</td><td>0.3000</td><td>large</td>" in page
    assert "http://" not in page and "https://" not in page
