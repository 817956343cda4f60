"""A feature series gives, at every month end, the table a one-off build gives."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from leadqual.contract import load_contract, starter_contract_text
from leadqual.domain.calendar import month_ends
from leadqual.errors import InvalidInput
from leadqual.features.build import build_features
from leadqual.features.frames import load_frames
from leadqual.features.series import FeatureSeries
from leadqual.services.imports import import_file
from leadqual.simulate import simulate, write_funnel
from leadqual.store.database import Store

END = datetime(2026, 11, 30)
FLOATS = {"intent", "intent_window_start", "days_since_last_activity", "days_since_created"}


@pytest.fixture
def sim_frames(sqlite_store: Store, tmp_path: Path):  # type: ignore[no-untyped-def]
    paths = write_funnel(simulate(60, 4, months=6, end=END), tmp_path / "sim")
    for kind in ("accounts", "contacts", "events", "deals"):
        import_file(sqlite_store, kind, paths[kind], now=END)
    return load_frames(sqlite_store, until=END + timedelta(days=1))


def _same(a: pa.Table, b: pa.Table) -> None:
    assert a.column_names == b.column_names
    for name in a.column_names:
        x, y = a[name].to_pylist(), b[name].to_pylist()
        if name in FLOATS or name.startswith("intent:"):
            assert x == pytest.approx(y, abs=1e-5, nan_ok=True), name
        else:
            assert x == y, name


def test_series_equals_one_off_builds(sim_frames) -> None:  # type: ignore[no-untyped-def]
    contract = load_contract(starter_contract_text())
    series = FeatureSeries(sim_frames, contract)
    ends = month_ends(END, 6)
    assert sum(series.events.seconds <= (ends[0] - datetime(1970, 1, 1)).total_seconds()) > 0
    for as_of in ends:
        _same(series.at(as_of).table, build_features(sim_frames, as_of, contract).table)


def test_series_moves_forward_only(sim_frames) -> None:  # type: ignore[no-untyped-def]
    series = FeatureSeries(sim_frames, load_contract(starter_contract_text()))
    series.at(END)
    with pytest.raises(InvalidInput, match="forward"):
        series.at(END - timedelta(days=31))
