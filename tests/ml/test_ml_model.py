"""LeadScorer follows the scikit-learn estimator protocol; calibration helps on held-out rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from leadqual.ml.metrics import expected_calibration_error, held_out_metrics
from leadqual.ml.model import LeadScorer, logistic_baseline


def _data(n: int = 3000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    X[rng.random(n) < 0.1, 2] = np.nan
    logit = -2.5 + 1.5 * X[:, 0] - X[:, 1] + 0.8 * (X[:, 3] > 0)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


def test_fit_returns_self_and_learned_attributes_end_in_underscore() -> None:
    X, y = _data(800)
    model = LeadScorer(n_estimators=30)
    before = set(vars(model))
    assert model.fit(X, y) is model
    learned = set(vars(model)) - before
    assert learned and all(name.endswith("_") for name in learned)
    assert model.n_features_in_ == 5 and model.classes_.tolist() == [0, 1]
    p = model.predict_proba(X)
    assert p.shape == (800, 2) and np.allclose(p.sum(axis=1), 1)


def test_constructor_only_stores_params_and_clone_works() -> None:
    model = LeadScorer(n_estimators=7, random_state=3)
    assert model.get_params()["n_estimators"] == 7 and model.get_params()["random_state"] == 3
    assert clone(model).get_params() == model.get_params()


def test_unfitted_raises() -> None:
    with pytest.raises(NotFittedError):
        LeadScorer().predict_proba(np.zeros((1, 5)))


def test_bad_input_is_refused() -> None:
    X, y = _data(100)
    with pytest.raises(ValueError, match="both classes"):
        LeadScorer().fit(X, np.zeros(100))
    with pytest.raises(ValueError, match="one label per row"):
        LeadScorer().fit(X, y[:50])
    model = LeadScorer(n_estimators=5).fit(*_data(400))
    with pytest.raises(ValueError, match="5 columns"):
        model.predict_proba(np.zeros((2, 4)))


def test_deterministic_with_random_state() -> None:
    X, y = _data(1000)
    a = LeadScorer(n_estimators=40, random_state=1).fit(X, y).predict_proba(X)
    b = LeadScorer(n_estimators=40, random_state=1).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)


def test_calibration_is_no_worse_on_held_out_rows() -> None:
    X, y = _data(6000, seed=2)
    tr, te = slice(0, 4500), slice(4500, None)
    # Many deep trees at a high rate overfit: raw probabilities are too extreme.
    params = {"n_estimators": 400, "learning_rate": 0.2, "num_leaves": 63, "min_child_samples": 5}
    raw = LeadScorer(calibration="none", **params).fit(X[tr], y[tr])
    cal = LeadScorer(calibration="sigmoid", **params).fit(X[tr], y[tr])
    ece_raw = expected_calibration_error(y[te], raw.predict_proba(X[te])[:, 1])
    ece_cal = expected_calibration_error(y[te], cal.predict_proba(X[te])[:, 1])
    assert ece_cal <= ece_raw or max(ece_cal, ece_raw) < 0.02


def test_beats_chance_and_reports_metrics_like_the_baseline() -> None:
    X, y = _data(4000, seed=4)
    tr, te = slice(0, 3000), slice(3000, None)
    ours = held_out_metrics(y[te], LeadScorer().fit(X[tr], y[tr]).predict_proba(X[te])[:, 1], 3000)
    base = logistic_baseline().fit(X[tr], y[tr])
    theirs = held_out_metrics(y[te], base.predict_proba(X[te])[:, 1], 3000)
    assert set(ours) == set(theirs) == {"auc", "log_loss", "ece", "n_train", "n_test"}
    assert ours["auc"] > 0.75 and theirs["auc"] > 0.75 and ours["n_test"] == 1000


def test_ece_of_perfectly_calibrated_bins_is_zero() -> None:
    y = np.array([0, 0, 1, 1, 0, 1, 0, 1, 1, 1])
    assert expected_calibration_error(y, np.full(10, 0.6)) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.full(10, 0.1)) == pytest.approx(0.5)


def test_explain_gives_predict_proba_from_one_pass() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] - X[:, 1] + rng.normal(size=600) > 0).astype(int)
    model = LeadScorer(n_estimators=40).fit(X, y)
    p, contrib = model.explain(X[:50])
    assert np.allclose(p, model.predict_proba(X[:50])[:, 1], atol=1e-9)
    assert np.allclose(contrib, model.contributions(X[:50]))
