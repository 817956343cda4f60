"""Models round-trip through the store on SQLite and PostgreSQL; other library versions warn."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import update

from leadqual.errors import NotFound
from leadqual.ml.dataset import FeatureEncoder
from leadqual.ml.model import LeadScorer
from leadqual.ml.registry import library_versions, load_model, save_model
from leadqual.store.database import Store
from leadqual.store.models import Model

NOW = datetime(2026, 7, 1)


def _fitted() -> tuple[LeadScorer, FeatureEncoder, np.ndarray]:
    rng = np.random.default_rng(0)
    table = pa.table({"employees": rng.integers(1, 1000, 500), "ad_spend": rng.normal(size=500)})
    enc = FeatureEncoder(["employees", "ad_spend"]).fit(table)
    x = enc.transform(table)
    y = (x[:, 0] + rng.normal(0, 200, 500) > 500).astype(int)
    return LeadScorer(n_estimators=20).fit(x, y), enc, x


def test_round_trip_keeps_predictions_and_metadata(store: Store) -> None:
    scorer, enc, x = _fitted()
    first = save_model(store, scorer, enc, {"target": "won", "horizon_days": 90}, now=NOW)
    second = save_model(store, scorer, enc, {"target": "sql", "horizon_days": 30}, now=NOW)
    assert (first.version, second.version) == (1, 2)
    latest = load_model(store)
    assert latest.version == 2 and latest.meta["target"] == "sql"
    assert latest.meta["libraries"] == library_versions()
    v1 = load_model(store, 1)
    assert v1.meta["horizon_days"] == 90 and v1.created_at == NOW
    assert np.array_equal(v1.scorer.predict_proba(x), scorer.predict_proba(x))
    assert v1.encoder.names_ == enc.names_


def test_no_model_says_to_train_first(store: Store) -> None:
    with pytest.raises(NotFound, match="run `leadqual train` first"):
        load_model(store)
    scorer, enc, _ = _fitted()
    save_model(store, scorer, enc, {}, now=NOW)
    with pytest.raises(NotFound, match="stored versions: 1"):
        load_model(store, 7)


def test_other_library_versions_warn(store: Store) -> None:
    scorer, enc, _ = _fitted()
    saved = save_model(store, scorer, enc, {}, now=NOW)
    old = {**saved.meta, "libraries": {**saved.meta["libraries"], "lightgbm": "3.0.0"}}
    with store.session() as s:
        s.execute(update(Model).where(Model.version == saved.version).values(meta=old))
    with pytest.warns(UserWarning, match=r"lightgbm 3\.0\.0 \(installed: "):
        load_model(store)
