"""Why a lead got its score: per-lead feature contributions in plain words.

Contributions come from LightGBM's native SHAP values (``pred_contrib``): for each lead they add
up, with a base value, to the model's log-odds — so they are on the **log-odds scale**, not
percentage points of probability. One-hot columns are summed back into the feature they came from
(``industry=software`` → ``industry``), so a reason names a documented feature.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pyarrow as pa

__all__ = ["Reason", "describe", "field_contributions", "top_reasons"]


@dataclass(frozen=True)
class Reason:
    feature: str
    value: Any
    contribution: float
    text: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def field_contributions(
    contrib: np.ndarray, sources: list[str]
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Sum matrix columns that come from the same feature: ``(fields, per-field matrix, base)``.
    ``contrib`` has one column per encoded feature plus the base value last.

    >>> f, m, b = field_contributions(np.array([[0.1, 0.2, 0.3, -1.0]]), ["a", "b", "a"])
    >>> f, m.round(2).tolist(), b.tolist()
    (['a', 'b'], [[0.4, 0.2]], [-1.0])
    """
    fields = list(dict.fromkeys(sources))
    index = {name: i for i, name in enumerate(fields)}
    which = np.array([index[s] for s in sources], dtype=int)
    out = np.zeros((contrib.shape[0], len(fields)))
    for j in range(len(sources)):
        out[:, which[j]] += contrib[:, j]
    return fields, out, contrib[:, -1]


def _words(name: str) -> str:
    return name.replace("_30d", " (30 days)").replace("_90d", " (90 days)").replace("_", " ")


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    if isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return str(value)


def describe(feature: str, value: Any, contribution: float) -> str:
    """A reason in plain words.

    >>> describe("annual_revenue", 4_200_000.0, 0.1812)
    'annual revenue 4,200,000: +0.18'
    """
    return f"{_words(feature)} {_shown(value)}: {contribution:+.2f}"


def top_reasons(
    table: pa.Table, fields: list[str], contrib: np.ndarray, k: int = 3
) -> list[list[Reason]]:
    """The ``k`` largest contributions (by absolute value) of each row of ``table``, largest first;
    ``contrib`` is the per-field matrix of ``field_contributions``."""
    k = min(k, len(fields))
    if k == 0 or table.num_rows == 0:
        return [[] for _ in range(table.num_rows)]
    top = np.argsort(-np.abs(contrib), axis=1, kind="stable")[:, :k]
    values = {name: table.column(name).to_pylist() for name in fields}
    out: list[list[Reason]] = []
    for i, row in enumerate(top):
        reasons = []
        for j in row:
            name, c = fields[j], round(float(contrib[i, j]), 4)
            v = values[name][i]
            reasons.append(Reason(name, v, c, describe(name, v, c)))
        out.append(reasons)
    return out
