"""Intent points and their decay: a signal's points halve every ``half_life_days``; each signal's
decayed sum is capped. Pure and vectorized (numpy arrays in, arrays out)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["capped_sums", "decayed_points"]

Floats = npt.NDArray[np.float64]


def decayed_points(points: float, age_days: Floats, half_life_days: float) -> Floats:
    """Points of events ``age_days`` old: ``points · 0.5^(age / half_life)``.

    Events from the future (negative age) are worth nothing: an as-of evaluation never sees them.

    >>> decayed_points(10.0, np.array([0.0, 7.0, 14.0, -1.0]), 7.0).tolist()
    [10.0, 5.0, 2.5, 0.0]
    """
    if half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    age = np.asarray(age_days, dtype=np.float64)
    out = points * np.exp2(-np.maximum(age, 0.0) / half_life_days)
    return np.where(age < 0, 0.0, out)


def capped_sums(group: npt.NDArray[np.intp], values: Floats, n_groups: int, cap: float) -> Floats:
    """Per-group sums of ``values``, each at most ``cap``.

    >>> capped_sums(np.array([0, 0, 2]), np.array([20.0, 15.0, 4.0]), 3, 30.0).tolist()
    [30.0, 0.0, 4.0]
    """
    sums = np.bincount(group, weights=values, minlength=n_groups).astype(np.float64)
    return np.minimum(sums, cap)
