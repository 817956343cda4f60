"""The learned scorecard and the model report on a real store (SQLite and PostgreSQL): the
exported fit section scores every lead exactly as the scorecard does, its AUC stands beside the
model's, and the report's calibration, AUC by month and drift describe the stored model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from leadqual.contract import load_contract, starter_contract_text
from leadqual.contract.compose import with_fit
from leadqual.decide.evaluate import evaluate
from leadqual.errors import InvalidInput, NotFound
from leadqual.features.build import build_features
from leadqual.features.frames import load_frames
from leadqual.services.monitoring import model_report, write_report
from leadqual.services.scorecard import scorecard
from leadqual.services.training import train
from leadqual.store.database import Store
from tests.ml.simhistory import NOW, import_history, write_history


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_history(tmp_path_factory.mktemp("card"), accounts=600)


def test_scorecard_points_are_the_contract_fit_score(
    store: Store, history: dict[str, Path]
) -> None:
    import_history(store, history)
    result = scorecard(store, now=NOW, target="sql")
    assert result.criteria and all(c.points != 0 for c in result.criteria)
    assert result.n_train > result.n_test > 0
    assert result.scorecard_auc is not None and result.model_auc is not None
    assert 0.6 < result.scorecard_auc <= 1 and 0.6 < result.model_auc <= 1
    # The exported section, made the contract's fit, gives each lead the scorecard's points.
    contract = load_contract(with_fit(starter_contract_text(), result.fit_yaml, name="Learned"))
    features = build_features(load_frames(store, until=NOW), NOW, contract).table
    fit = evaluate(features, contract).table.column("fit").to_numpy(zero_copy_only=False)
    points = result.card.score(features.sort_by("lead_id"))
    assert np.array_equal(fit.astype(np.int64), points)
    out = result.as_json()
    assert out["criteria"][0]["points"] == result.criteria[0].points
    assert set(out) >= {"scorecard_auc", "model_auc", "n_train", "n_test", "fit_yaml"}


def test_scorecard_refuses_bad_options(store: Store, history: dict[str, Path]) -> None:
    with pytest.raises(InvalidInput, match="--penalty"):
        scorecard(store, now=NOW, penalty="l3")
    with pytest.raises(InvalidInput, match="at least"):
        scorecard(store, now=NOW)  # an empty store has no customers to learn from


def test_model_report_describes_the_stored_model(
    store: Store, history: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(NotFound):
        model_report(store, now=NOW)
    import_history(store, history)
    trained = train(store, target="sql", now=NOW)
    report = model_report(store, now=NOW)
    assert report.model_version == trained.version and report.target == "sql"
    assert set(report.drift_features) == set(trained.as_json()["features"])
    assert all(v >= 0 for v in report.drift_features.values()) and report.drift_p_win >= 0
    months = [m.month for m in report.auc_by_month]
    assert months == sorted(months) and sum(m.n for m in report.auc_by_month) > 0
    for b in report.calibration:
        assert 0 <= b.observed <= 1 and 0 <= b.predicted <= 1 and b.n > 0
    paths = write_report(report, tmp_path / "out")
    assert paths["png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    html = paths["html"].read_text()
    assert "data:image/png;base64," in html and "http" not in html.replace("http-equiv", "")
    out = report.as_json()
    assert set(out) == {"model_version", "calibration", "auc_by_month", "drift"}
    assert pa.array([m["month"] for m in out["auc_by_month"]]).to_pylist() == months
