"""Training examples for the scoring model: each lead's features as of a cutoff, and whether it
reached the target (a won deal, or SQL) within a horizon after that cutoff.

- **Cutoff**: one date for every lead (``as_of``), or per lead its creation plus
  ``observe_days`` — the same for every lead whatever became of it, so the cutoff itself says
  nothing about the outcome.
- **Label**: the target was reached in ``(cutoff, cutoff + horizon]``.
- **Left out**: leads created after their cutoff, leads that had already reached the target at
  their cutoff (nothing left to predict) and leads whose horizon ends after ``until`` (their
  outcome is not known yet).
- **Columns**: only firmographic, persona and behaviour features (``MODEL_FEATURES``, with the
  account-level intent features as of each example's cutoff); sales and score columns are
  excluded — they are recorded after sales worked the lead (leakage) or computed from a model
  (circular). Categoricals and ``technologies`` are one-hot encoded (top K values).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.features.schema import FEATURES

__all__ = [
    "MODEL_FEATURES",
    "Examples",
    "FeatureEncoder",
    "Target",
    "label_examples",
    "outcome_times",
    "time_split",
]

Target = Literal["won", "sql"]
MODEL_SCOPES = ("firmographic", "persona", "behaviour")
# Free text: seniority and department are derived from it. The account-level intent features
# (visits_30d, …) are in: each example gets them as of its own cutoff (``build_features`` with
# per-lead cutoffs, ``AccountIntent.at_each``), never what its account did later.
_EXCLUDED = frozenset({"job_title"})
MODEL_FEATURES: tuple[str, ...] = tuple(
    f.name for f in FEATURES if f.scope in MODEL_SCOPES and f.name not in _EXCLUDED
)
_KIND = {f.name: f.kind for f in FEATURES}
_US_PER_DAY = 86_400 * 1_000_000
_NULL = np.iinfo(np.int64).min
_NEVER = np.iinfo(np.int64).max


def _us(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Microseconds since the epoch; the int64 minimum where null."""
    return pc.fill_null(pc.cast(column, pa.int64()), _NULL).to_numpy(zero_copy_only=False)


def outcome_times(
    lead_ids: np.ndarray,
    deals: pa.Table,
    target: Target,
    sql_reached: pa.Table | None = None,
) -> np.ndarray:
    """When each lead first reached ``target`` (µs since the epoch; int64 max: never).

    ``won``: the first won deal's close. ``sql``: the first of a stage change to sql,
    opportunity or customer (``sql_reached``: ``lead_id``, ``at``) and a deal's creation.

    >>> deals = pa.table({"lead_id": [2], "stage": ["won"], "created_at": [None],
    ...     "closed_at": pa.array([datetime(2026, 1, 2)], pa.timestamp("us"))})
    >>> outcome_times(np.array([1, 2]), deals, "won").tolist()[1]
    1767312000000000
    """
    out = np.full(lead_ids.size, _NEVER)

    def earliest(ids: np.ndarray, at: np.ndarray) -> None:
        ok = at != _NULL
        row = np.searchsorted(lead_ids, ids)
        row = np.clip(row, 0, max(lead_ids.size - 1, 0))
        ok &= lead_ids[row] == ids if lead_ids.size else np.zeros(ids.size, dtype=bool)
        np.minimum.at(out, row[ok], at[ok])

    deal_ids = deals.column("lead_id").to_numpy(zero_copy_only=False)
    if target == "won":
        won = np.asarray(pc.fill_null(pc.equal(deals.column("stage"), "won"), False))
        earliest(deal_ids[won], _us(deals.column("closed_at"))[won])
    else:
        earliest(deal_ids, _us(deals.column("created_at")))
        if sql_reached is not None and sql_reached.num_rows:
            earliest(
                sql_reached.column("lead_id").to_numpy(zero_copy_only=False),
                _us(sql_reached.column("at")),
            )
    return out


@dataclass(frozen=True)
class Examples:
    """Which leads of a table are examples: ``keep`` (bool per lead), and per lead its
    ``cutoff`` (datetime64[us]) and ``label``; counts of the leads left out, by reason."""

    keep: np.ndarray
    cutoff: np.ndarray
    label: np.ndarray
    already_reached: int
    not_known_yet: int

    @property
    def positives(self) -> int:
        return int(self.label[self.keep].sum())


def label_examples(
    created_at: pa.ChunkedArray | pa.Array,
    outcome_at: np.ndarray,
    *,
    until: datetime,
    horizon_days: int,
    as_of: datetime | None = None,
    observe_days: int = 30,
) -> Examples:
    """Cutoff, label and keep for every lead (see the module's docstring).

    >>> ts = pa.array([datetime(2026, 1, 1), datetime(2026, 1, 1)], pa.timestamp("us"))
    >>> won = np.array([np.datetime64("2026-03-01", "us").astype(np.int64), np.iinfo(np.int64).max])
    >>> ex = label_examples(ts, won, until=datetime(2026, 12, 1), horizon_days=90)
    >>> ex.label.tolist(), ex.keep.tolist()
    ([True, False], [True, True])
    """
    created = _us(created_at)
    until_us = int(np.datetime64(until, "us").astype(np.int64))
    if as_of is not None:
        cut = np.full(created.size, int(np.datetime64(as_of, "us").astype(np.int64)))
    else:
        cut = np.where(created == _NULL, _NULL, created + observe_days * _US_PER_DAY)
    end = cut + horizon_days * _US_PER_DAY
    valid = (created != _NULL) & (created <= cut)
    reached = outcome_at <= cut
    unknown = end > until_us
    keep = valid & ~reached & ~unknown
    label = keep & (outcome_at > cut) & (outcome_at <= end)
    return Examples(
        keep=keep,
        cutoff=np.where(cut == _NULL, 0, cut).astype("datetime64[us]"),
        label=label,
        already_reached=int((valid & reached).sum()),
        not_known_yet=int((valid & ~reached & unknown).sum()),
    )


def time_split(created: np.ndarray, test_fraction: float = 0.25) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the earlier leads (train) and of the later ones (test), each in time order.

    >>> tr, te = time_split(np.array([3, 1, 2, 0]), test_fraction=0.25)
    >>> tr.tolist(), te.tolist()
    ([3, 1, 2], [0])
    """
    order = np.argsort(created, kind="stable")
    n_test = round(order.size * test_fraction)
    return order[: order.size - n_test], order[order.size - n_test :]


class FeatureEncoder:
    """Turns feature rows (an Arrow table) into a float matrix: numbers as they are (null: NaN),
    booleans as 0/1, each categorical and ``technologies`` as one-hot columns of its ``top_k``
    most frequent values (seen at least ``min_count`` times in training).

    ``names_`` are the matrix columns (``industry=software``), ``sources_`` the feature each
    comes from (``industry``).

    >>> t = pa.table({"industry": ["a", "a", "b"], "employees": [1, None, 3]})
    >>> enc = FeatureEncoder(["industry", "employees"], min_count=1).fit(t)
    >>> enc.names_
    ['industry=a', 'industry=b', 'employees']
    """

    def __init__(
        self,
        features: tuple[str, ...] | list[str] = MODEL_FEATURES,
        *,
        top_k: int = 12,
        min_count: int = 5,
    ) -> None:
        self.features = tuple(features)
        self.top_k = top_k
        self.min_count = min_count

    def fit(self, table: pa.Table) -> FeatureEncoder:
        self.values_: dict[str, list[str]] = {}
        self.names_: list[str] = []
        self.sources_: list[str] = []
        for name in self.features:
            kind = _KIND.get(name, "float")
            if kind in ("str", "list"):
                col = table.column(name)
                flat = pc.list_flatten(col) if kind == "list" else col
                counts = pc.value_counts(pc.drop_null(flat)).to_pylist()
                counts.sort(key=lambda c: (-c["counts"], c["values"]))
                top = [c["values"] for c in counts[: self.top_k] if c["counts"] >= self.min_count]
                self.values_[name] = top
                self.names_ += [f"{name}={v}" for v in top]
                self.sources_ += [name] * len(top)
            else:
                self.names_.append(name)
                self.sources_.append(name)
        return self

    def transform(self, table: pa.Table) -> np.ndarray:
        if not hasattr(self, "names_"):
            raise ValueError("FeatureEncoder is not fitted: call fit(table) first")
        out = np.zeros((table.num_rows, len(self.names_)), dtype=np.float64)
        j = 0
        for name in self.features:
            col = table.column(name)
            if name in self.values_:
                top = self.values_[name]
                if _KIND.get(name) == "list":
                    flat = pc.list_flatten(col).to_numpy(zero_copy_only=False)
                    parent = pc.list_parent_indices(col).to_numpy(zero_copy_only=False)
                    for k, v in enumerate(top):
                        out[parent[flat == v], j + k] = 1.0
                else:
                    values = np.asarray(col.to_pylist(), dtype=object)
                    for k, v in enumerate(top):
                        out[:, j + k] = values == v
                j += len(top)
            else:
                out[:, j] = pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False)
                j += 1
        return out
