"""The trade-off: the threshold found in the rule's tree, volume never rising with a stricter
threshold, and the current threshold agreeing with the full replay."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leadqual.backtest.outcomes import Outcomes, outcomes
from leadqual.backtest.replay import Replay, replay
from leadqual.backtest.tradeoff import find_threshold, tradeoff_points
from leadqual.contract import load_contract, parse_expression, starter_contract_text
from leadqual.errors import InvalidInput
from leadqual.features.frames import load_frames
from leadqual.services.backtest import backtest_month_ends, run_backtest
from leadqual.settings import sqlite_url
from leadqual.store.database import Store, open_store
from tests.backtest.simstore import NOW, import_simulated, starter, write_simulated


@pytest.mark.parametrize(
    ("rule", "field", "op", "value"),
    [
        ("fit >= 40 and intent >= 30", "fit", ">=", 40.0),
        ("fit >= 40 and intent >= 30", "intent", ">=", 30.0),
        ("intent > 12.5 and (fit > 10 or employees > 5)", "fit", ">", 10.0),
        ("55 <= fit and intent >= 1", "fit", ">=", 55.0),
        ("fit >= -5 or intent >= 3", "fit", ">=", -5.0),
    ],
)
def test_find_threshold(rule: str, field: str, op: str, value: float) -> None:
    t = find_threshold(parse_expression(rule), field)
    assert (t.field, t.op, t.value) == (field, op, value)


def test_a_rule_without_the_comparison_is_refused_clearly() -> None:
    with pytest.raises(InvalidInput, match=r"compares no number with `fit`.*--vary intent"):
        find_threshold(parse_expression("intent >= 30 and employees > 50"), "fit")


@pytest.fixture(scope="module")
def sim_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    tmp = tmp_path_factory.mktemp("tradeoff")
    store = open_store(sqlite_url(tmp / "store.db"))
    import_simulated(store, write_simulated(tmp / "data"))
    yield store
    store.dispose()


@pytest.fixture(scope="module")
def replayed(sim_store: Store) -> tuple[Replay, Outcomes]:
    ends = backtest_month_ends(sim_store, start=None, end=None)
    frames = load_frames(sim_store, until=ends[-1])
    r = replay(frames, starter(), ends)
    first, last = np.datetime64(ends[0], "us"), np.datetime64(ends[-1], "us")
    return r, outcomes(frames.deals, r.lead_ids, first, last)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=120, allow_nan=False), min_size=2, max_size=6))
def test_a_stricter_fit_threshold_never_raises_volume(
    replayed: tuple[Replay, Outcomes], values: list[float]
) -> None:
    r, out = replayed
    t = tradeoff_points(r, out, starter(), vary="fit", values=values)
    volumes = [p.mql for p in t.points]
    assert volumes == sorted(volumes, reverse=True)
    assert all(p.won <= p.mql and p.won <= t.customers for p in t.points)


@pytest.mark.parametrize("vary", ["fit", "intent"])
def test_the_current_threshold_matches_the_full_replay(sim_store: Store, vary: str) -> None:
    run = run_backtest(sim_store, starter(), now=NOW, vary=vary)  # type: ignore[arg-type]
    assert run.tradeoff is not None
    cur = run.tradeoff.current_point
    assert cur.threshold == (40.0 if vary == "fit" else 30.0)
    assert (cur.mql, cur.won) == (run.report.overall["mql"], run.report.overall["won"])
    assert (cur.precision, cur.recall) == (
        run.report.overall["precision"],
        run.report.overall["recall"],
    )
    xs = [p.threshold for p in run.tradeoff.points]
    assert xs == sorted(xs) and xs[0] == 0 and len(xs) >= 21


def test_tradeoff_leaves_the_contract_alone(replayed: tuple[Replay, Outcomes]) -> None:
    r, out = replayed
    contract = starter()
    tradeoff_points(r, out, contract, vary="intent", values=[0, 50])
    assert contract.stages.mql.source == "fit >= 40 and intent >= 30"
    assert contract == load_contract(starter_contract_text(), source="starter.yaml")


def test_unknown_vary_is_refused(replayed: tuple[Replay, Outcomes]) -> None:
    r, out = replayed
    with pytest.raises(InvalidInput, match="fit or intent"):
        tradeoff_points(r, out, starter(), vary="employees")  # type: ignore[arg-type]
