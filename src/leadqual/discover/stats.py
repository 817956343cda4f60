"""The statistics behind every figure discovery reports: precision, recall, lift, F-beta, the
Wilson confidence interval, and "nice" thresholds a person would write.

All functions take numpy arrays (or scalars) of counts and are vectorized, so one call scores
every candidate threshold of an attribute at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = [
    "Objective",
    "Target",
    "fbeta",
    "nicest_between",
    "safe_ratio",
    "wilson_interval",
]

Target = Literal["fbeta", "precision", "recall"]
_Z95 = 1.959963984540054


def safe_ratio(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0.

    >>> safe_ratio(np.array([1, 2]), np.array([2, 0])).tolist()
    [0.5, 0.0]
    """
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def fbeta(precision: np.ndarray, recall: np.ndarray, beta: float = 1.0) -> np.ndarray:
    """The F-beta score: beta > 1 weighs recall more, beta < 1 precision.

    >>> float(fbeta(np.array(0.5), np.array(0.5)))
    0.5
    """
    b2 = beta * beta
    return safe_ratio((1 + b2) * precision * recall, b2 * precision + recall)


def wilson_interval(
    hits: np.ndarray | int, n: np.ndarray | int, z: float = _Z95
) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval (95% by default) for a proportion ``hits / n``.

    Unlike ``p ± z·se`` it stays inside [0, 1] and behaves at small ``n`` and at 0 or 100%.
    An empty sample gives the uninformative interval [0, 1].

    >>> lo, hi = wilson_interval(8, 10)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.49, 0.943)
    """
    k = np.asarray(hits, dtype=float)
    m = np.asarray(n, dtype=float)
    p = safe_ratio(k, m)
    z2 = z * z
    safe_m = np.where(m > 0, m, 1.0)
    denom = 1 + z2 / safe_m
    centre = (p + z2 / (2 * safe_m)) / denom
    half = z * np.sqrt(p * (1 - p) / safe_m + z2 / (4 * safe_m * safe_m)) / denom
    lo = np.where(m > 0, np.clip(centre - half, 0.0, 1.0), 0.0)
    hi = np.where(m > 0, np.clip(centre + half, 0.0, 1.0), 1.0)
    # Floating error must not put the point estimate outside its own interval.
    return np.minimum(lo, p), np.maximum(hi, np.where(m > 0, p, 1.0))


@dataclass(frozen=True)
class Objective:
    """What the search maximises, with its constraints.

    ``fbeta``: F-beta of precision and recall. ``precision``: precision among conditions whose
    recall is at least ``min_recall``. ``recall``: recall among conditions whose precision is at
    least ``min_precision``. Every target needs ``min_support`` matching leads; an infeasible
    condition scores ``-inf``.

    >>> Objective().score(np.array([5]), np.array([10]), 10).round(3).tolist()
    [0.5]
    """

    target: Target = "fbeta"
    beta: float = 1.0
    min_precision: float = 0.0
    min_recall: float = 0.0
    min_support: int = 1

    def score(self, tp: np.ndarray, support: np.ndarray, positives: int) -> np.ndarray:
        """Score conditions that match ``support`` leads, ``tp`` of them customers, out of
        ``positives`` customers in all."""
        tp = np.asarray(tp, dtype=float)
        support = np.asarray(support, dtype=float)
        precision = safe_ratio(tp, support)
        recall = safe_ratio(tp, positives)
        if self.target == "precision":
            # Ties in precision go to the condition that keeps more customers.
            value = precision + 1e-6 * recall
        elif self.target == "recall":
            value = recall + 1e-6 * precision
        else:
            value = fbeta(precision, recall, self.beta)
        ok = (support >= self.min_support) & (tp > 0)
        ok &= precision >= self.min_precision - 1e-12
        ok &= recall >= self.min_recall - 1e-12
        return np.where(ok, value, -np.inf)


def _digits_needed(x: float) -> int:
    return math.floor(math.log10(abs(x))) if x != 0 else 0


def nicest_between(lo: float, hi: float, *, upper: bool) -> float:
    """The number with the fewest significant digits in the half-open interval between ``lo``
    and ``hi`` (``(lo, hi]`` when ``upper``, else ``[lo, hi)``), as a "≥ t" (upper) or "≤ t"
    threshold that selects exactly the same values.

    >>> nicest_between(2_431_000.0, 2_512_345.0, upper=True)
    2500000.0
    >>> nicest_between(8.0, 9.0, upper=True)
    9.0
    >>> nicest_between(41.0, 57.3, upper=False)
    50.0
    """
    if not hi > lo:
        return hi if upper else lo
    anchor = hi if upper else lo
    top = _digits_needed(max(abs(lo), abs(hi)))
    for d in range(top + 1, top - 16, -1):
        step = 10.0**d
        if upper:
            cand = math.floor(hi / step) * step
            if lo < cand <= hi:
                return float(round(cand, 12))
        else:
            cand = math.ceil(lo / step) * step
            if lo <= cand < hi:
                return float(round(cand, 12))
    return anchor
