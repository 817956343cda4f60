"""Held-out metrics of a probabilistic classifier: ROC AUC, log loss, expected calibration error."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

__all__ = ["expected_calibration_error", "held_out_metrics"]


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """ECE over ``bins`` equal-width probability bins: the mean |observed rate − mean predicted
    probability|, weighted by the share of rows in each bin.

    >>> expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0]))
    0.0
    """
    y, p = np.asarray(y, dtype=float), np.asarray(p, dtype=float)
    if y.size == 0:
        return 0.0
    which = np.minimum((p * bins).astype(int), bins - 1)
    n = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, y, bins) - np.bincount(which, p, bins))
    return float(gap.sum() / y.size) if n.sum() else 0.0


def held_out_metrics(y: np.ndarray, p: np.ndarray, n_train: int) -> dict[str, float | int | None]:
    """``auc`` (None when the rows hold one class only), ``log_loss``, ``ece``, ``n_train``,
    ``n_test``, rounded for reading.

    >>> held_out_metrics(np.array([0, 1]), np.array([0.2, 0.8]), n_train=10)["auc"]
    1.0
    """
    y = np.asarray(y, dtype=int)
    p = np.clip(np.asarray(p, dtype=float), 1e-15, 1 - 1e-15)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < y.size else None
    return {
        "auc": None if auc is None else round(auc, 4),
        "log_loss": round(float(log_loss(y, p, labels=[0, 1])), 4) if y.size else None,
        "ece": round(expected_calibration_error(y, p), 4),
        "n_train": int(n_train),
        "n_test": int(y.size),
    }
