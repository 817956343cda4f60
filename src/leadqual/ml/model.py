"""The scoring model: LightGBM gradient boosting with calibrated probabilities, following the
scikit-learn estimator protocol, and the logistic-regression baseline it is measured against.

Rows passed to ``fit`` must be in time order: the latest ``calibration_fraction`` of them is held
back to calibrate the probabilities (Platt scaling of the boosted log-odds), so calibration is
learned on leads later than those the trees learned from — as the model will be used.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from lightgbm import LGBMClassifier
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["LeadScorer", "logistic_baseline"]


def _check_xy(X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D (rows × features), got shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(f"y must be 1-D with one label per row of X ({X.shape[0]}), got {y.shape}")
    if np.isinf(X).any():
        raise ValueError("X contains infinite values")
    y = y.astype(int)
    if set(np.unique(y)) != {0, 1}:
        raise ValueError("y must hold both classes 0 and 1")
    return X, y


class LeadScorer(ClassifierMixin, BaseEstimator):
    """Gradient-boosted trees (LightGBM) with sigmoid-calibrated probabilities.

    ``calibration``: ``"sigmoid"`` (Platt scaling on the latest ``calibration_fraction`` of the
    rows) or ``"none"``. Learned: ``booster_`` (the fitted ``LGBMClassifier``), ``slope_`` and
    ``intercept_`` (calibrated log-odds = slope × raw log-odds + intercept), ``classes_``,
    ``n_features_in_``.

    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(400, 3)); y = (X[:, 0] + rng.normal(size=400) > 0).astype(int)
    >>> LeadScorer(n_estimators=20).fit(X, y).predict_proba(X[:2]).shape
    (2, 2)
    """

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        reg_lambda: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        calibration: Literal["sigmoid", "none"] = "sigmoid",
        calibration_fraction: float = 0.25,
        random_state: int | None = 0,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.reg_lambda = reg_lambda
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.calibration = calibration
        self.calibration_fraction = calibration_fraction
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> LeadScorer:
        """Fit the trees on the earlier rows and the calibration on the later ones; ``self``."""
        X, y = _check_xy(X, y)
        if self.calibration not in ("sigmoid", "none"):
            raise ValueError(f"calibration must be 'sigmoid' or 'none', got {self.calibration!r}")
        n_cal = round(X.shape[0] * self.calibration_fraction)
        if self.calibration == "none":
            n_cal = 0
        fit_rows = slice(0, X.shape[0] - n_cal)
        if len(np.unique(y[fit_rows])) < 2:
            raise ValueError("the rows before the calibration slice must hold both classes")
        self.booster_ = LGBMClassifier(
            n_estimators=self.n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            reg_lambda=self.reg_lambda,
            subsample=self.subsample,
            subsample_freq=1,
            colsample_bytree=self.colsample_bytree,
            random_state=self.random_state,
            deterministic=True,
            force_row_wise=True,
            n_jobs=1,
            verbose=-1,
        ).fit(X[fit_rows], y[fit_rows])
        self.slope_, self.intercept_ = 1.0, 0.0
        cal_y = y[X.shape[0] - n_cal :]
        if n_cal and 0 < cal_y.sum() < cal_y.size:
            raw = np.asarray(self.booster_.predict(X[X.shape[0] - n_cal :], raw_score=True))
            platt = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), cal_y)
            self.slope_ = float(platt.coef_[0, 0])
            self.intercept_ = float(platt.intercept_[0])
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = X.shape[1]
        return self

    def _checked(self, X: Any) -> np.ndarray:
        if not hasattr(self, "booster_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this LeadScorer is not fitted yet: call fit(X, y) first")
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X must have {self.n_features_in_} columns, got shape {X.shape}")
        return X

    def raw_log_odds(self, X: Any) -> np.ndarray:
        """The boosted trees' log-odds, before calibration."""
        X = self._checked(X)
        return np.asarray(self.booster_.booster_.predict(X, raw_score=True), dtype=float)

    def decision_function(self, X: Any) -> np.ndarray:
        """Calibrated log-odds of the positive class."""
        raw = self.raw_log_odds(X)  # checks that the model is fitted first
        return self.slope_ * raw + self.intercept_

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns for classes 0 and 1."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X: Any) -> np.ndarray:
        return (self.predict_proba(X)[:, 1] >= 0.5).astype(int)

    def contributions(self, X: Any) -> np.ndarray:
        """Per row and feature, the contribution to the calibrated log-odds (LightGBM's native
        SHAP values, times the calibration slope); the last column is the base value (with the
        calibration intercept). Each row sums to ``decision_function``."""
        X = self._checked(X)
        # The Booster itself, not the scikit-learn wrapper: the wrapper predicts with the
        # training's n_jobs=1, the Booster with every core (half the time on 2 cores).
        raw = np.asarray(self.booster_.booster_.predict(X, pred_contrib=True), dtype=float)
        raw *= self.slope_
        raw[:, -1] += self.intercept_
        return raw

    def explain(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated P(positive) and ``contributions`` from ONE pass over the trees: the SHAP
        values of a row sum to its log-odds, so the probability needs no second ``predict``."""
        contrib = self.contributions(X)
        return expit(contrib.sum(axis=1)), contrib


def logistic_baseline(random_state: int | None = 0) -> Pipeline:
    """The baseline: median imputation (with missing-value indicators), standardisation and an
    L2 logistic regression.

    >>> logistic_baseline().steps[-1][0]
    'logistic'
    """
    return Pipeline(
        [
            (
                "impute",
                SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
            ),
            ("scale", StandardScaler()),
            ("logistic", LogisticRegression(C=0.3, max_iter=2000, random_state=random_state)),
        ]
    )
