"""Scoring: every lead gets p_win and reasons, stored; the latest score is readable and usable in
a contract condition."""

from __future__ import annotations

from pathlib import Path

import pytest

from leadqual.contract import load_contract, starter_contract_text
from leadqual.errors import NotFound
from leadqual.features.build import build_features
from leadqual.features.frames import load_frames
from leadqual.services.contracts import apply_contract
from leadqual.services.leads import list_leads
from leadqual.services.qualify import qualify
from leadqual.services.scoring import list_scores, score
from leadqual.services.training import train
from leadqual.store.database import Store
from tests.ml.simhistory import NOW, import_history, write_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_history(tmp_path_factory.mktemp("hist"), accounts=600)


def test_no_model_says_to_train_first(store: Store) -> None:
    with pytest.raises(NotFound, match="run `leadqual train` first"):
        score(store, now=NOW)


def test_scores_every_lead_with_reasons(store: Store, history: dict[str, Path]) -> None:
    import_history(store, history)
    model = train(store, target="sql", now=NOW)
    result = score(store, now=NOW, chunk=250)
    leads = list_leads(store)
    assert result.scored == len(leads) and result.model_version == model.version
    views = list_scores(store)
    assert {v.key for v in views} == {lead.key for lead in leads}
    assert [v.p_win for v in views] == sorted((v.p_win for v in views), reverse=True)
    top = views[0].as_json()
    assert set(top) == {"key", "p_win", "reasons"} and 0 < top["p_win"] < 1
    assert len(top["reasons"]) == 3
    assert all(set(r) == {"feature", "value", "contribution", "text"} for r in top["reasons"])
    assert all(r["feature"] in model.features for r in top["reasons"])
    assert len(list_scores(store, top=5)) == 5

    # Scoring again with the same model replaces its rows; the latest score is what counts.
    score(store, now=NOW, chunk=10_000)
    again = list_scores(store)
    assert [(v.key, v.p_win) for v in again] == [(v.key, v.p_win) for v in views]


def test_p_win_is_a_feature_and_usable_in_the_contract(
    store: Store, history: dict[str, Path]
) -> None:
    import_history(store, history)
    contract = load_contract(starter_contract_text())
    unscored = build_features(load_frames(store, until=NOW), NOW, contract).table
    assert set(unscored.column("p_win").to_pylist()) == {None}

    train(store, target="sql", now=NOW)
    score(store, now=NOW)
    table = build_features(load_frames(store, until=NOW), NOW, contract).table
    by_key = dict(
        zip(table.column("key").to_pylist(), table.column("p_win").to_pylist(), strict=True)
    )
    assert all(by_key[v.key] == pytest.approx(v.p_win) for v in list_scores(store))

    text = starter_contract_text().replace(
        "mql: fit >= 40 and intent >= 30", "mql: p_win >= 0.3 and fit >= 40"
    )
    assert "p_win >= 0.3" in text
    load_contract(text, source="p_win.yaml")
    apply_contract(store, text, source="p_win.yaml", author=None, now=NOW)
    result = qualify(store, as_of=NOW, now=NOW)
    assert sum(result.counts.values()) == len(by_key)
