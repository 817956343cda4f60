"""--vs: a contract against itself changes nothing; a stricter one sends fewer MQLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadqual.services.backtest import compare
from leadqual.store.database import Store
from tests.backtest.simstore import NOW, import_simulated, starter, strict, write_simulated


@pytest.fixture(scope="module")
def sim_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_simulated(tmp_path_factory.mktemp("sim"), accounts=120, seed=5)


def test_a_contract_against_itself_has_no_differences(
    store: Store, sim_paths: dict[str, Path]
) -> None:
    import_simulated(store, sim_paths)
    cmp = compare(store, starter(), starter(), now=NOW)
    assert cmp.identical
    assert all(d in (0, 0.0, None) for d in cmp.deltas.values())
    assert cmp.a.as_json() == cmp.b.as_json()
    assert cmp.as_json()["differences"]["caught_only_by_a"] == []


def test_a_stricter_contract_sends_fewer_mqls(store: Store, sim_paths: dict[str, Path]) -> None:
    import_simulated(store, sim_paths)
    cmp = compare(store, starter(), strict(), now=NOW)
    assert cmp.b.contract == "Strict contract"
    assert cmp.deltas["mql"] is not None and cmp.deltas["mql"] <= 0
    assert cmp.mql_only_in_b == 0  # every strict MQL is also a starter MQL (same intent part)
    assert set(cmp.caught_only_by_b) == set()
    assert cmp.deltas["won"] == -len(cmp.caught_only_by_a)
