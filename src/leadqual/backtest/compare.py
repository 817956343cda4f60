"""Two contracts over the same replay window, side by side: the differences of their figures and
the customers one catches and the other misses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from leadqual.backtest.metrics import BacktestReport

__all__ = ["COMPARED", "Comparison", "compare_reports"]

# The overall figures compared, in the order they are shown.
COMPARED = (
    "mql",
    "sql",
    "won",
    "precision",
    "recall",
    "median_days_to_won",
    "mql_to_sql",
    "pipeline_value",
    "missed",
    "never_bought",
)


@dataclass(frozen=True)
class Comparison:
    """``a`` and ``b`` over the same window; ``deltas[k]`` is ``b - a`` (None when either is
    undefined); ``caught_only_by_a`` are customers A made MQLs before their deal and B did not."""

    a: BacktestReport
    b: BacktestReport
    deltas: dict[str, float | int | None]
    caught_only_by_a: tuple[str, ...]
    caught_only_by_b: tuple[str, ...]
    mql_only_in_a: int
    mql_only_in_b: int

    @property
    def identical(self) -> bool:
        """No figure differs and no customer is caught by one only."""
        return (
            all(d in (0, None) for d in self.deltas.values())
            and not self.caught_only_by_a
            and not self.caught_only_by_b
            and not self.mql_only_in_a
            and not self.mql_only_in_b
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "a": self.a.as_json(),
            "b": self.b.as_json(),
            "differences": {
                "overall": self.deltas,
                "caught_only_by_a": list(self.caught_only_by_a),
                "caught_only_by_b": list(self.caught_only_by_b),
                "mql_only_in_a": self.mql_only_in_a,
                "mql_only_in_b": self.mql_only_in_b,
            },
        }


def _delta(x: Any, y: Any) -> float | int | None:
    if x is None or y is None:
        return None
    d = y - x
    return round(d, 4) if isinstance(d, float) else d


def compare_reports(a: BacktestReport, b: BacktestReport) -> Comparison:
    """Compare two reports of the same window (``b - a``)."""
    return Comparison(
        a=a,
        b=b,
        deltas={k: _delta(a.overall.get(k), b.overall.get(k)) for k in COMPARED},
        caught_only_by_a=tuple(sorted(a.caught_keys - b.caught_keys)),
        caught_only_by_b=tuple(sorted(b.caught_keys - a.caught_keys)),
        mql_only_in_a=len(a.mql_keys - b.mql_keys),
        mql_only_in_b=len(b.mql_keys - a.mql_keys),
    )
