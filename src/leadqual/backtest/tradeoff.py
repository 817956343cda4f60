"""The trade-off: MQL volume, precision and recall as one threshold of the ``mql`` rule varies.

The threshold is the number the ``mql`` rule compares a field with (``fit >= 40`` → 40), found in
the rule's parsed tree. The replay runs once, under the contract as written; for every threshold
the rule is then re-evaluated over what the replay saw at each month end (one DuckDB query per
month for all thresholds at once), and a lead becomes an MQL at the first month end where it
passes while it still could: no won or open deal, never disqualified so far.

Approximation (documented): with another threshold a lead's path after its first MQL could
differ (recycling, disqualification from ``mql``), and the replay's stages feed nothing back
here; first-MQL times — all that volume, precision and recall need — are otherwise the same as a
full replay's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sqlglot import exp

from leadqual.backtest.metrics import Headline, headline
from leadqual.backtest.outcomes import Outcomes
from leadqual.backtest.replay import Replay
from leadqual.contract.expression import Expression
from leadqual.contract.model import Contract
from leadqual.duck import connect
from leadqual.errors import InvalidInput

__all__ = ["Threshold", "Tradeoff", "TradeoffPoint", "find_threshold", "tradeoff_points"]

Vary = Literal["fit", "intent"]
_FLIP = {exp.GTE: exp.LTE, exp.GT: exp.LT, exp.LTE: exp.GTE, exp.LT: exp.GT, exp.EQ: exp.EQ}
_OPS = {exp.GTE: ">=", exp.GT: ">", exp.LTE: "<=", exp.LT: "<", exp.EQ: "="}


@dataclass(frozen=True, eq=False)
class Threshold:
    """Where the varied number sits in the ``mql`` rule: ``field op value``."""

    field: str
    op: str
    value: float
    node: exp.Literal | exp.Neg


def _number(node: exp.Expression) -> float | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        return float(node.this)
    if isinstance(node, exp.Neg) and isinstance(node.this, exp.Literal):
        inner = _number(node.this)
        return None if inner is None else -inner
    return None


def find_threshold(rule: Expression, field: str) -> Threshold:
    """The first comparison of ``field`` with a number in ``rule``.

    >>> from leadqual.contract import parse_expression
    >>> t = find_threshold(parse_expression("fit >= 40 and intent >= 30"), "intent")
    >>> (t.op, t.value)
    ('>=', 30.0)
    """
    for node in rule.tree.walk(bfs=False):
        if not isinstance(node, exp.Binary) or type(node) not in _OPS:
            continue
        left, right = node.this, node.expression
        cls = type(node)
        if isinstance(left, exp.Column) and left.name == field and _number(right) is not None:
            return Threshold(field, _OPS[cls], float(_number(right) or 0.0), right)
        if isinstance(right, exp.Column) and right.name == field and _number(left) is not None:
            return Threshold(field, _OPS[_FLIP[cls]], float(_number(left) or 0.0), left)
    raise InvalidInput(
        f"the mql rule `{rule.source}` compares no number with `{field}` (e.g. `{field} >= 40`), "
        f"so there is no {field} threshold to vary; use --vary "
        f"{'intent' if field == 'fit' else 'fit'} or add such a comparison to the rule",
        field="vary",
    )


def _with_value(rule: Expression, threshold: Threshold, value: float) -> Expression:
    """``rule`` with the threshold's number replaced by ``value`` (the rule itself unchanged)."""
    new: exp.Expression = exp.Literal.number(f"{abs(value):g}")
    if value < 0:
        new = exp.Neg(this=new)
    # A copy walks in the same order as its original: the k-th node is the threshold's copy.
    walk = enumerate(rule.tree.walk(bfs=False))
    position = next(k for k, node in walk if node is threshold.node)
    tree = rule.tree.copy()
    target = next(node for k, node in enumerate(tree.walk(bfs=False)) if k == position)
    if target is tree:
        tree = new
    else:
        target.replace(new)
    return Expression(tree.sql(dialect="duckdb"), rule.fields, rule.scope, tree)


@dataclass(frozen=True)
class TradeoffPoint:
    threshold: float
    mql: int
    won: int
    precision: float | None
    recall: float | None

    def as_json(self) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "mql": self.mql,
            "won": self.won,
            "precision": self.precision,
            "recall": self.recall,
        }


@dataclass(frozen=True)
class Tradeoff:
    """The trade-off table of one contract: a point per threshold, ``current`` marked."""

    contract: str
    rule: str
    field: str
    op: str
    current: float
    customers: int
    points: tuple[TradeoffPoint, ...]

    @property
    def current_point(self) -> TradeoffPoint:
        return next(p for p in self.points if p.threshold == self.current)

    def as_json(self) -> dict[str, Any]:
        return {
            "contract": self.contract,
            "rule": self.rule,
            "vary": self.field,
            "op": self.op,
            "current": self.current,
            "customers": self.customers,
            "points": [p.as_json() for p in self.points],
        }


def _grid(contract: Contract, field: str, current: float, steps: int) -> list[float]:
    caps = float(sum(s.cap for s in contract.intent.signals))
    top = contract.max_fit if field == "fit" else caps
    top = max(top, current, 1.0)
    values = {round(float(v), 4) for v in np.linspace(0.0, top, steps + 1)}
    values.add(current)
    return sorted(values)


def tradeoff_points(
    r: Replay,
    out: Outcomes,
    contract: Contract,
    *,
    vary: Vary = "fit",
    steps: int = 20,
    values: Sequence[float] | None = None,
) -> Tradeoff:
    """Volume, precision and recall of ``contract`` for ``steps + 1`` thresholds of ``vary``
    from 0 to its maximum (max fit, or the sum of the signals' caps) — or for ``values`` —
    plus the current one."""
    if vary not in ("fit", "intent"):
        raise InvalidInput(f"--vary must be fit or intent (got {vary!r})", field="vary")
    rule = contract.stages.mql
    thr = find_threshold(rule, vary)
    grid = (
        _grid(contract, vary, thr.value, steps)
        if values is None
        else sorted({float(v) for v in values} | {thr.value})
    )
    sqls = [_with_value(rule, thr, v).to_sql("duckdb") for v in grid]
    select = ", ".join(f"COALESCE(({s}), FALSE) AS t{k}" for k, s in enumerate(sqls))
    n = r.n_leads
    first = np.full((len(grid), n), -1, dtype=np.int64)
    disqualified = np.zeros(n, dtype=bool)
    con = connect()
    try:
        for m, inputs in enumerate(r.rule_inputs):
            con.register("inputs", inputs)
            got = con.sql(f"SELECT {select} FROM inputs").to_arrow_table()
            con.unregister("inputs")
            idx = inputs.column("lead_index").to_numpy()
            disqualified[idx] |= inputs.column("disqualify").to_numpy(zero_copy_only=False)
            could = ~(
                inputs.column("won_deal").to_numpy(zero_copy_only=False)
                | inputs.column("open_deal").to_numpy(zero_copy_only=False)
                | disqualified[idx]
            )
            for k in range(len(grid)):
                passed = got.column(k).to_numpy(zero_copy_only=False) & could
                lead = idx[passed]
                lead = lead[first[k, lead] < 0]
                first[k, lead] = m
    finally:
        con.close()
    ends = np.array(r.month_ends, dtype="datetime64[us]")
    heads: list[Headline] = [headline(first[k], ends, out) for k in range(len(grid))]
    return Tradeoff(
        contract=contract.name,
        rule=rule.source,
        field=vary,
        op=thr.op,
        current=thr.value,
        customers=int(out.customer.sum()),
        points=tuple(
            TradeoffPoint(v, h.mql, h.won, h.precision, h.recall)
            for v, h in zip(grid, heads, strict=True)
        ),
    )
