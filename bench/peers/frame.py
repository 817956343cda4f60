"""The labelled lead table encoded for the peer rule learners (pandas, as they need it).

Numbers as they are, missing as -1 (every firmographic number is >= 0, so a missing value sits
below every threshold — "never matches >=", as in leadqual); text with a ``"(missing)"`` value;
a list field (technologies) as one ``yes``/``no`` column per value.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["to_frame"]


def to_frame(table: pa.Table, fields: list[str]) -> Any:
    """A pandas DataFrame of ``fields`` of ``table``.

    >>> to_frame(pa.table({"t": [["a"], []], "n": [1.0, None]}), ["t", "n"]).to_dict("list")
    {'t:a': ['yes', 'no'], 'n': [1.0, -1.0]}
    """
    import pandas as pd

    cols: dict[str, Any] = {}
    for name in fields:
        col = table.column(name)
        t = col.type
        if pa.types.is_list(t) or pa.types.is_large_list(t):
            lists = col.combine_chunks()
            parents = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
            values = np.asarray(pc.list_flatten(lists).to_pylist(), dtype=object)
            for v in sorted({x for x in values if x is not None}):
                has = np.zeros(len(col), dtype=bool)
                has[parents[values == v]] = True
                cols[f"{name}:{v}"] = np.where(has, "yes", "no")
        elif pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            cols[name] = np.nan_to_num(
                pc.cast(col, pa.float64()).to_numpy(zero_copy_only=False), nan=-1.0
            )
        else:
            cols[name] = np.asarray(
                pc.fill_null(pc.cast(col, pa.string()), "(missing)").to_pylist(), dtype=object
            )
    return pd.DataFrame(cols)
