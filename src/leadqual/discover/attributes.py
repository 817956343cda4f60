"""Candidate attributes: the feature table's columns encoded once as numpy arrays.

Three kinds: ``numeric`` (float64, NaN where missing), ``category`` (integer codes, -1 where
missing) and ``multi`` (a boolean matrix, one column per value of a list field such as
``technologies``). A condition's mask is computed here, and missing values never match — the
same as the contract's SQL, where ``NULL >= 5`` is not true.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from leadqual.discover.conditions import Condition
from leadqual.errors import InvalidInput
from leadqual.features.schema import FEATURES

__all__ = [
    "CANDIDATE_SCOPES",
    "RULE_SCOPES",
    "Attribute",
    "candidate_fields",
    "encode_attributes",
    "in_scopes",
]

Kind = Literal["numeric", "category", "multi"]
CANDIDATE_SCOPES = ("firmographic", "persona", "behaviour")
RULE_SCOPES = ("firmographic",)
# Free text (seniority and department are derived from it), and the lead's age at its cutoff,
# which the cutoff rule itself sets (see discover.dataset): neither says anything honest.
_EXCLUDED = frozenset({"job_title", "days_since_created"})
_SCOPE = {f.name: f.scope for f in FEATURES}
_NOT_FEATURES = frozenset(
    {"lead_id", "won_deal", "open_deal", "lost_deal", "intent_window_start", "signals_in_window",
     "created_at", "label", "cutoff"}
)


@dataclass(frozen=True)
class Attribute:
    """One encoded column. ``labels`` names the codes (category) or the matrix columns (multi)."""

    name: str
    kind: Kind
    values: np.ndarray
    labels: tuple[str, ...] = ()

    def take(self, rows: np.ndarray) -> Attribute:
        return Attribute(self.name, self.kind, self.values[rows], self.labels)

    def condition(self, op: str, value: object) -> Condition:
        return Condition(self.name, op, value, multi=self.kind == "multi")  # type: ignore[arg-type]

    def mask(self, cond: Condition) -> np.ndarray:
        """Which rows satisfy ``cond`` (a condition on this attribute).

        >>> a = Attribute("employees", "numeric", np.array([10.0, np.nan, 300.0]))
        >>> a.mask(Condition("employees", ">=", 50)).tolist()
        [False, False, True]
        """
        if self.kind == "numeric":
            with np.errstate(invalid="ignore"):
                if cond.op == ">=":
                    return self.values >= float(cond.value)
                return self.values <= float(cond.value)
        wanted = (cond.value,) if cond.op == "=" else tuple(cond.value)
        index = {v: i for i, v in enumerate(self.labels)}
        codes = [index[v] for v in wanted if v in index]
        if self.kind == "multi":
            if not codes:
                return np.zeros(self.values.shape[0], dtype=bool)
            return np.asarray(self.values[:, codes].any(axis=1), dtype=bool)
        return np.isin(self.values, np.asarray(codes, dtype=self.values.dtype))


def in_scopes(name: str, scopes: Sequence[str]) -> bool:
    """Whether column ``name`` belongs to one of ``scopes`` (an undocumented column always does).

    >>> in_scopes("pricing_views_30d", ["firmographic"]), in_scopes("employees", ["firmographic"])
    (False, True)
    """
    return name not in _SCOPE or _SCOPE[name] in scopes


def candidate_fields(table: pa.Table) -> list[str]:
    """The columns of ``table`` discovery may use: documented features of the firmographic,
    persona and behaviour scopes (never identity, sales or scores), and any column of an
    undocumented name (an in-memory table for a benchmark) whose type is usable.

    >>> candidate_fields(pa.table({"lead_id": [1], "employees": [5], "stage": ["mql"]}))
    ['employees']
    """
    out = []
    for field in table.schema:
        name = field.name
        if name in _EXCLUDED or name in _NOT_FEATURES or name.startswith("intent"):
            continue
        if name in _SCOPE:
            if _SCOPE[name] in CANDIDATE_SCOPES:
                out.append(name)
        elif _kind_of(field.type) is not None:
            out.append(name)
    return out


def _kind_of(t: pa.DataType) -> Kind | None:
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "numeric"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_boolean(t):
        return "category"
    if pa.types.is_dictionary(t):
        return "category"
    if (pa.types.is_list(t) or pa.types.is_large_list(t)) and (
        pa.types.is_string(t.value_type) or pa.types.is_large_string(t.value_type)
    ):
        return "multi"
    return None


def _encode(name: str, column: pa.ChunkedArray) -> Attribute:
    kind = _kind_of(column.type)
    if kind == "numeric":
        floats = pc.cast(column, pa.float64())
        return Attribute(name, kind, floats.to_numpy(zero_copy_only=False).astype(float))
    if kind == "category":
        if pa.types.is_boolean(column.type):
            column = pc.cast(column, pa.string())
        encoded = pc.dictionary_encode(column).combine_chunks()
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        labels = tuple(str(v) for v in encoded.dictionary.to_pylist())
        return Attribute(name, kind, codes.astype(np.int32), labels)
    if kind == "multi":
        lists = column.combine_chunks()
        flat = pc.list_flatten(lists)
        parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        encoded = pc.dictionary_encode(flat)
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
        labels = tuple(str(v) for v in encoded.dictionary.to_pylist())
        matrix = np.zeros((len(column), len(labels)), dtype=bool)
        ok = codes >= 0
        matrix[parents[ok], codes[ok]] = True
        return Attribute(name, kind, matrix, labels)
    raise InvalidInput(
        f"column {name!r} has type {column.type}, which discovery cannot use; "
        "give numbers, text or lists of text"
    )


def encode_attributes(table: pa.Table, fields: Sequence[str] | None = None) -> list[Attribute]:
    """Encode ``fields`` (default: ``candidate_fields(table)``) of ``table``.

    >>> [a.kind for a in encode_attributes(pa.table({"employees": [5, None], "c": ["a", "b"]}))]
    ['numeric', 'category']
    """
    names = candidate_fields(table) if fields is None else list(fields)
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise InvalidInput(f"the table has no column {missing[0]!r}; columns are "
                           f"{', '.join(table.column_names)}")
    return [_encode(n, table.column(n)) for n in names]
