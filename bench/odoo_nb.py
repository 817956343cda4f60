"""The baseline of bench/scoring.py: the frequency-based naive Bayes that Odoo's CRM uses for its
predictive lead scoring (``crm.lead._pls_get_naive_bayes_probabilities``), reimplemented.

For each field value of a lead, ``P(value | won)`` and ``P(value | lost)`` come from frequency
tables of the training leads with every count starting at 0.1 (Odoo's smoothing); a lead's
probability is ``prior_won × Π P(v|won)`` over that plus the same for lost. As in Odoo, a field a
lead leaves empty is skipped; numeric fields (which Odoo does not score) are cut into quantile bins.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["OdooNaiveBayes"]

SMOOTHING = 0.1


class OdooNaiveBayes:
    """Fit on an Arrow table and 0/1 labels; ``predict_proba(table)`` gives P(won).

    >>> t = pa.table({"source": ["ad", "ad", "seo", "seo"], "visits": [1.0, 2.0, 3.0, None]})
    >>> nb = OdooNaiveBayes(bins=2).fit(t, np.array([1, 1, 0, 0]))
    >>> bool(nb.predict_proba(t)[0] > 0.5 > nb.predict_proba(t)[2])
    True
    """

    def __init__(self, bins: int = 10) -> None:
        self.bins = bins

    def _values(self, name: str, col: pa.ChunkedArray) -> np.ndarray:
        """Each row's value as a string key; None where empty."""
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            return np.asarray(col.to_pylist(), dtype=object)
        x = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
        which = np.searchsorted(self.edges_[name], x, side="right")
        out = np.asarray([f"bin{b}" for b in which], dtype=object)
        out[np.isnan(x)] = None
        return out

    def fit(self, table: pa.Table, y: np.ndarray) -> OdooNaiveBayes:
        y = np.asarray(y, dtype=int)
        self.edges_: dict[str, np.ndarray] = {}
        self.tables_: dict[str, dict[str, tuple[float, float]]] = {}
        self.totals_: dict[str, tuple[float, float]] = {}
        for name in table.column_names:
            col = table.column(name)
            if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
                x = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
                x = x[~np.isnan(x)]
                qs = np.linspace(0, 1, self.bins + 1)[1:-1]
                self.edges_[name] = np.unique(np.quantile(x, qs)) if x.size else np.array([])
            values = self._values(name, col)
            freq: dict[str, list[float]] = {}
            for v, label in zip(values, y, strict=True):
                if v is None:
                    continue
                counts = freq.setdefault(v, [SMOOTHING, SMOOTHING])
                counts[label] += 1
            self.tables_[name] = {v: (c[1], c[0]) for v, c in freq.items()}
            self.totals_[name] = (
                sum(c[1] for c in freq.values()),
                sum(c[0] for c in freq.values()),
            )
        self.prior_won_ = float(y.mean())
        return self

    def predict_proba(self, table: pa.Table) -> np.ndarray:
        log_won = np.full(table.num_rows, np.log(self.prior_won_))
        log_lost = np.full(table.num_rows, np.log(1 - self.prior_won_))
        for name, freq in self.tables_.items():
            total_won, total_lost = self.totals_[name]
            for i, v in enumerate(self._values(name, table.column(name))):
                if v is None or v not in freq:
                    continue  # Odoo: an empty or never-seen value says nothing
                won, lost = freq[v]
                log_won[i] += np.log(won / total_won)
                log_lost[i] += np.log(lost / total_lost)
        return 1.0 / (1.0 + np.exp(log_lost - log_won))
