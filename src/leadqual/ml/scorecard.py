"""A points scorecard learned from data: integer points per feature bin, the kind of points
marketing teams know from HubSpot or Mautic, exportable as a contract ``fit:`` section.

- **Bins**: numbers in quantile bins (edges rounded to two significant digits, each bin holding
  at least ``min_count`` training leads) plus an ``is null`` bin; text features in their ``top_k``
  most frequent values; ``technologies`` as one "uses X" bin per frequent technology.
- **Fit**: a regularised logistic regression (scikit-learn, L2 or L1) on the one-hot bins.
- **Few features**: only the ``max_features`` (default 10) features whose bins move the log-odds
  most across the training leads are kept, and the regression is fitted again on them.
- **Points**: ``round(coefficient × points_to_double / ln 2)`` — with the default 20, twenty more
  points double the odds of the target. A number's bins are measured against its most common bin
  (which gets 0), a text value or technology against "any other value / not used". Bins that round
  to 0 points are dropped. A lead's score is the sum of the points of the bins it falls in —
  exactly the contract's fit score of the exported section.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import sklearn
import yaml
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from leadqual.errors import InvalidInput
from leadqual.features.schema import FEATURES
from leadqual.ml.dataset import MODEL_FEATURES

__all__ = ["Bin", "Criterion", "Scorecard"]

_KIND = {f.name: f.kind for f in FEATURES}
BinKind = Literal["below", "range", "from", "null", "value", "has"]


def _penalty(penalty: str) -> dict[str, Any]:
    # scikit-learn 1.8 deprecates `penalty` in favour of `l1_ratio`; older versions need it.
    major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
    if (major, minor) >= (1, 8):
        return {"l1_ratio": 1.0 if penalty == "l1" else 0.0}
    return {"penalty": penalty}


def _num(x: float) -> str:
    """A number as the contract language reads it: ``50``, ``0.35``."""
    x = float(x)
    return str(int(x)) if x.is_integer() else repr(x)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_") or "x"


def _round2(x: float) -> float:
    return float(f"{x:.2g}")


@dataclass(frozen=True)
class Bin:
    """One bin of one feature: a number range (``below``/``range``/``from``), unknown
    (``null``), a text value (``value``) or a technology in use (``has``).

    >>> Bin("employees", "range", lo=50, hi=200).when
    'employees >= 50 and employees < 200'
    """

    feature: str
    kind: BinKind
    lo: float | None = None
    hi: float | None = None
    value: str | None = None

    @property
    def when(self) -> str:
        f = self.feature
        if self.kind == "below":
            return f"{f} < {_num(self.hi or 0)}"
        if self.kind == "range":
            return f"{f} >= {_num(self.lo or 0)} and {f} < {_num(self.hi or 0)}"
        if self.kind == "from":
            return f"{f} >= {_num(self.lo or 0)}"
        if self.kind == "null":
            return f"{f} is null"
        quoted = "'" + str(self.value).replace("'", "''") + "'"
        if self.kind == "has":
            return f"has_any({f}, {quoted})"
        return f"{f} = {quoted}"

    @property
    def name(self) -> str:
        f = self.feature
        if self.kind == "below":
            return f"{f}_below_{_slug(_num(self.hi or 0))}"
        if self.kind == "range":
            return f"{f}_{_slug(_num(self.lo or 0))}_to_{_slug(_num(self.hi or 0))}"
        if self.kind == "from":
            return f"{f}_{_slug(_num(self.lo or 0))}_plus"
        if self.kind == "null":
            return f"{f}_unknown"
        if self.kind == "has":
            return f"uses_{_slug(self.value or '')}"
        return f"{f}_{_slug(self.value or '')}"

    @property
    def description(self) -> str:
        f = self.feature.replace("_", " ")
        if self.kind == "below":
            return f"{f} under {_num(self.hi or 0)}"
        if self.kind == "range":
            return f"{f} {_num(self.lo or 0)} to under {_num(self.hi or 0)}"
        if self.kind == "from":
            return f"{f} {_num(self.lo or 0)} or more"
        if self.kind == "null":
            return f"{f} unknown"
        if self.kind == "has":
            return f"uses {self.value}"
        return f"{f} is {self.value}"

    def mask(self, table: pa.Table) -> np.ndarray:
        """Which rows of ``table`` fall in the bin (null never passes a comparison)."""
        col = table.column(self.feature)
        if self.kind == "has":
            flat = pc.list_flatten(col).to_numpy(zero_copy_only=False)
            parent = pc.list_parent_indices(col).to_numpy(zero_copy_only=False)
            out = np.zeros(table.num_rows, dtype=bool)
            out[parent[flat == self.value]] = True
            return out
        if self.kind == "value":
            return np.asarray(col.to_pylist(), dtype=object) == self.value
        x = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
        if self.kind == "null":
            return np.isnan(x)
        with np.errstate(invalid="ignore"):
            if self.kind == "below":
                return x < float(self.hi or 0)
            if self.kind == "from":
                return x >= float(self.lo or 0)
            return (x >= float(self.lo or 0)) & (x < float(self.hi or 0))


def _numeric_bins(name: str, x: np.ndarray, bins: int, min_count: int) -> list[Bin]:
    known = x[~np.isnan(x)]
    out: list[Bin] = []
    if known.size >= 2 * min_count:
        qs = np.quantile(known, np.linspace(0, 1, bins + 1)[1:-1])
        edges: list[float] = []
        prev = -math.inf
        for e in sorted({_round2(q) for q in qs}):
            if ((known >= prev) & (known < e)).sum() >= min_count and (
                known >= e
            ).sum() >= min_count:
                edges.append(e)
                prev = e
        if edges:
            out.append(Bin(name, "below", hi=edges[0]))
            out += [Bin(name, "range", lo=a, hi=b) for a, b in pairwise(edges)]
            out.append(Bin(name, "from", lo=edges[-1]))
    if np.isnan(x).any() and out:
        out.append(Bin(name, "null"))
    return out


class Scorecard:
    """Integer points per feature bin, learned with a logistic regression (see the module's
    docstring). Learned: ``bins_`` (every bin), ``coef_`` (their log-odds weights),
    ``points_`` (integer points per bin), ``factor_`` (points per unit of log-odds),
    ``base_log_odds_`` (log-odds of a lead with 0 points) and ``share_`` (training share per bin).

    >>> t = pa.table({"industry": ["a", "b"] * 100, "employees": list(range(200))})
    >>> y = np.array([1, 0] * 100)
    >>> card = Scorecard(["industry", "employees"], min_count=10, C=1.0).fit(t, y)
    >>> [(c.name, c.points) for c in card.criteria()][:1]
    [('industry_a', 97)]
    """

    def __init__(
        self,
        features: tuple[str, ...] | list[str] = MODEL_FEATURES,
        *,
        bins: int = 5,
        top_k: int = 8,
        min_count: int = 20,
        penalty: Literal["l2", "l1"] = "l2",
        C: float = 0.1,
        points_to_double: float = 20.0,
        max_features: int | None = 10,
    ) -> None:
        self.features = tuple(features)
        self.bins = bins
        self.top_k = top_k
        self.min_count = min_count
        self.penalty = penalty
        self.C = C
        self.points_to_double = points_to_double
        self.max_features = max_features

    def _make_bins(self, table: pa.Table) -> list[Bin]:
        out: list[Bin] = []
        for name in self.features:
            kind = _KIND.get(name, "float")
            col = table.column(name)
            if kind in ("str", "list"):
                flat = pc.list_flatten(col) if kind == "list" else col
                counts = pc.value_counts(pc.drop_null(flat)).to_pylist()
                counts.sort(key=lambda c: (-c["counts"], c["values"]))
                top = [c["values"] for c in counts[: self.top_k] if c["counts"] >= self.min_count]
                out += [Bin(name, "has" if kind == "list" else "value", value=v) for v in top]
            elif kind in ("int", "float"):
                x = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False).astype(float)
                out += _numeric_bins(name, x, self.bins, self.min_count)
        return out

    def design(self, table: pa.Table) -> np.ndarray:
        """The one-hot bin matrix (rows × ``bins_``) of ``table``."""
        if not hasattr(self, "bins_"):
            raise ValueError("Scorecard is not fitted: call fit(table, y) first")
        if not self.bins_:
            return np.zeros((table.num_rows, 0))
        return np.column_stack([b.mask(table) for b in self.bins_]).astype(np.float64)

    def fit(self, table: pa.Table, y: Any) -> Scorecard:
        """Bin the features of ``table``, fit the regression on ``y`` (0/1), scale to points."""
        y = np.asarray(y).astype(int)
        if y.shape != (table.num_rows,) or set(np.unique(y)) != {0, 1}:
            raise ValueError("y must hold one 0/1 label per row of the table, both classes")
        if self.penalty not in ("l1", "l2"):
            raise ValueError(f"penalty must be 'l1' or 'l2', got {self.penalty!r}")
        self.bins_ = self._make_bins(table)
        if not self.bins_:
            raise InvalidInput(
                "no feature has enough leads per bin to learn points from; import more history"
            )
        z = self.design(table)
        model = self._regression(z, y)
        if self.max_features is not None:
            # Readable means few features: keep those whose points move the log-odds the most
            # across the training leads (spread of their part of it) and learn again on them.
            coef = model.coef_[0]
            names = list(dict.fromkeys(b.feature for b in self.bins_))
            spread = {
                f: float(np.std(z[:, idx] @ coef[idx]))
                for f in names
                for idx in [[i for i, b in enumerate(self.bins_) if b.feature == f]]
            }
            keep = set(sorted(names, key=lambda f: -spread[f])[: self.max_features])
            if len(keep) < len(names):
                cols = [i for i, b in enumerate(self.bins_) if b.feature in keep]
                self.bins_ = [self.bins_[i] for i in cols]
                z = z[:, cols]
                model = self._regression(z, y)
        coef = model.coef_[0].astype(float)
        base = float(model.intercept_[0])
        self.share_ = z.mean(axis=0)
        # A number's bins cover every lead once: measure them against the most common bin.
        shifted = coef.copy()
        for name in {b.feature for b in self.bins_ if b.kind in ("below", "range", "from")}:
            idx = [i for i, b in enumerate(self.bins_) if b.feature == name]
            ref = idx[int(np.argmax(self.share_[idx]))]
            shifted[idx] -= coef[ref]
            base += coef[ref]
        self.coef_ = shifted
        self.factor_ = self.points_to_double / math.log(2)
        self.points_ = np.rint(shifted * self.factor_).astype(np.int64)
        self.base_log_odds_ = base
        return self

    def _regression(self, z: np.ndarray, y: np.ndarray) -> LogisticRegression:
        return LogisticRegression(
            C=self.C,
            **_penalty(self.penalty),
            solver="liblinear" if self.penalty == "l1" else "lbfgs",
            max_iter=5000,
        ).fit(z, y)

    def score(self, table: pa.Table) -> np.ndarray:
        """Integer points per row: the sum of the points of the bins it falls in."""
        return (self.design(table) @ self.points_).astype(np.int64)

    def predict_proba(self, table: pa.Table) -> np.ndarray:
        """Probabilities read off the points (``base_log_odds_ + points / factor_``)."""
        p = expit(self.base_log_odds_ + self.score(table) / self.factor_)
        return np.column_stack([1.0 - p, p])

    def criteria(self) -> list[Criterion]:
        """The bins with non-zero points, as contract criteria (strongest first)."""
        if not hasattr(self, "points_"):
            raise ValueError("Scorecard is not fitted: call fit(table, y) first")
        out: list[Criterion] = []
        seen: set[str] = set()
        for i in sorted(range(len(self.bins_)), key=lambda i: (-abs(self.points_[i]), i)):
            if self.points_[i] == 0:
                continue
            b = self.bins_[i]
            name, k = b.name, 2
            while name in seen:
                name, k = f"{b.name}_{k}", k + 1
            seen.add(name)
            out.append(
                Criterion(name, b.when, int(self.points_[i]), b.description, float(self.share_[i]))
            )
        return out

    def to_contract_fit(self) -> str:
        """The criteria as a contract ``fit:`` section (YAML), ready for
        ``leadqual.contract.compose.with_fit``."""
        crits = self.criteria()
        if not crits:
            raise InvalidInput(
                "every learned bin rounds to 0 points; import more history or raise "
                "points_to_double"
            )
        head = (
            f"# Learned points: {self.points_to_double:g} points double the odds of the target.\n"
        )
        body = [
            {"name": c.name, "when": c.when, "points": c.points, "description": c.description}
            for c in crits
        ]
        return head + yaml.safe_dump({"fit": body}, sort_keys=False, allow_unicode=True, width=200)


@dataclass(frozen=True)
class Criterion:
    """A scorecard line: contract ``name``, ``when`` expression, integer ``points``,
    ``description`` and the ``share`` of training leads it applies to."""

    name: str
    when: str
    points: int
    description: str
    share: float

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "when": self.when,
            "points": self.points,
            "description": self.description,
            "share": round(self.share, 4),
        }
