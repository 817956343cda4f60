"""The one key question: for each attribute alone, the condition that best separates the leads
that became customers — a threshold (``>=`` or ``<=``) for a number, a value set for a category,
a "has any of" set for a list field — scored by the chosen objective.

``Scanner`` also answers the same question *within* a subset of leads, which is how the rule
search (``discover.rules``) refines a conjunction one condition at a time.

Every scan is vectorized: a numeric attribute is sorted once; within any subset the candidate
thresholds are all its distinct values, scored at once with cumulative sums.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leadqual.discover.attributes import Attribute
from leadqual.discover.conditions import Condition
from leadqual.discover.stats import Objective, nicest_between

__all__ = ["MIN_CATEGORY_CUSTOMERS", "MIN_CATEGORY_SUPPORT", "Scanner", "Scored", "one_question"]

MIN_CATEGORY_SUPPORT = 5  # categories rarer than this are grouped away: never proposed alone
# A category joins a value set on its own evidence only with at least this many customers: a
# country with one or two customers among a handful of leads is the classic chance pattern.
MIN_CATEGORY_CUSTOMERS = 3
MAX_SET_SIZE = 8
LOOSE_TOLERANCE = 0.02
NICE_TOLERANCE = 0.01  # a rounder threshold may cost up to 1% of the objective's value


@dataclass(frozen=True)
class Scored:
    """A condition with its training counts: ``support`` leads match, ``tp`` are customers."""

    condition: Condition
    tp: int
    support: int
    score: float

    @property
    def meets_target(self) -> bool:
        """Whether the condition meets the objective's constraints (see ``Scanner.guide``)."""
        return self.score > -1.0


def _round_sig(x: float, digits: int, up: bool) -> float:
    if x == 0 or not math.isfinite(x):
        return x
    step = 10.0 ** (math.floor(math.log10(abs(x))) - digits + 1)
    return float(round((math.ceil(x / step) if up else math.floor(x / step)) * step, 12))


class Scanner:
    """Scores candidate conditions of ``attributes`` on leads labelled ``label`` (True: became a
    customer). ``guide`` ranks infeasible candidates (a constraint not met) below feasible ones
    but still in a useful order, so the search can walk through them.

    >>> a = Attribute("employees", "numeric", np.array([5.0, 50, 500, 5000]))
    >>> s = Scanner([a], np.array([False, False, True, True]), Objective())
    >>> s.best(0, np.ones(4, bool))[0].condition.describe()
    'employees ≥ 500'
    """

    def __init__(
        self,
        attributes: Sequence[Attribute],
        label: np.ndarray,
        objective: Objective,
        *,
        min_category: int = MIN_CATEGORY_SUPPORT,
        halves: np.ndarray | None = None,
    ) -> None:
        self.attributes = list(attributes)
        self.label = np.asarray(label, dtype=bool)
        # Two halves of the leads for stability checks; default: alternate rows.
        self.halves = (
            np.arange(self.label.size) % 2 == 0 if halves is None else np.asarray(halves, bool)
        )
        self.positives = int(self.label.sum())
        self.objective = objective
        self.min_category = min_category
        self._order: dict[int, np.ndarray] = {}

    def guide(self, tp: np.ndarray, support: np.ndarray) -> np.ndarray:
        score = self.objective.score(tp, support, self.positives)
        fallback = Objective(beta=self.objective.beta, min_support=self.objective.min_support)
        spare = fallback.score(tp, support, self.positives) - 2.0
        return np.where(np.isfinite(score), score, spare)

    def score(self, tp: int, support: int) -> float:
        return float(self.objective.score(np.array(tp), np.array(support), self.positives))

    def best(self, index: int, within: np.ndarray) -> list[Scored]:
        """The best conditions on attribute ``index`` among the rows ``within`` (one per
        direction for a number); empty when nothing there can be scored."""
        attr = self.attributes[index]
        if attr.kind == "numeric":
            return [s for op in (">=", "<=") if (s := self._threshold(index, within, op))]
        found = self._value_set(attr, within) if attr.kind == "category" else self._any_set(
            attr, within
        )
        return [found] if found else []

    # numbers ---------------------------------------------------------------------------
    def _sorted(self, index: int) -> np.ndarray:
        if index not in self._order:
            values = self.attributes[index].values
            order = np.argsort(values, kind="stable")  # NaN sorts last
            self._order[index] = order[: int((~np.isnan(values)).sum())]
        return self._order[index]

    def _threshold(self, index: int, within: np.ndarray, op: str) -> Scored | None:
        attr = self.attributes[index]
        order = self._sorted(index)
        order = order[within[order]]
        if op == ">=":
            order = order[::-1]
        if order.size == 0:
            return None
        vals = attr.values[order]
        tp = np.cumsum(self.label[order])
        support = np.arange(1, order.size + 1)
        # A threshold can only sit at the end of a run of equal values.
        # The last run would keep every lead with a known value: that asks nothing.
        ends = np.flatnonzero(vals[1:] != vals[:-1])
        if ends.size == 0:
            return None
        guide = self.guide(tp[ends], support[ends])
        k = int(np.argmax(guide))
        if not np.isfinite(guide[k]):
            return None
        # The loosest threshold within LOOSE_TOLERANCE of the best: on a few dozen customers,
        # smaller differences are noise, and a looser threshold misses fewer customers.
        close = np.flatnonzero(guide >= guide[k] - LOOSE_TOLERANCE * abs(guide[k]))
        k = int(close[-1])
        end = ends[k]
        exact = float(vals[end])
        nxt = float(vals[end + 1]) if end + 1 < vals.size else None
        if op == ">=":
            value = exact if nxt is None else nicest_between(nxt, exact, upper=True)
        else:
            value = exact if nxt is None else nicest_between(exact, nxt, upper=False)
        value, t, n = self._rounder(vals, tp, op, value, float(guide[k]), (int(tp[end]), end + 1))
        return Scored(attr.condition(op, value), t, n, float(self.guide(np.array(t), np.array(n))))

    def _rounder(
        self, vals: np.ndarray, tp: np.ndarray, op: str, value: float, best: float,
        counts: tuple[int, int],
    ) -> tuple[float, int, int]:
        """Round ``value`` to two significant digits when that costs little."""
        if value == 0 or _round_sig(value, 2, True) == value:
            return value, *counts
        # ``vals`` is sorted descending for ``>=`` and ascending for ``<=``.
        for up in ((False, True) if op == ">=" else (True, False)):  # looser first
            cand = _round_sig(value, 2, up)
            if op == ">=":
                n = int(np.searchsorted(-vals, -cand, side="right"))
            else:
                n = int(np.searchsorted(vals, cand, side="right"))
            if n == 0:
                continue
            t = int(tp[n - 1])
            g = float(self.guide(np.array(t), np.array(n)))
            if g >= best - NICE_TOLERANCE * abs(best):
                return cand, t, n
        return value, *counts

    # categories ------------------------------------------------------------------------
    def _value_set(self, attr: Attribute, within: np.ndarray) -> Scored | None:
        codes = attr.values[within]
        y = self.label[within]
        ok = codes >= 0
        k = len(attr.labels)
        if k == 0 or not ok.any():
            return None
        count = np.bincount(codes[ok], minlength=k)
        pos = np.bincount(codes[ok], weights=y[ok], minlength=k)
        eligible = np.flatnonzero(
            (count >= self.min_category) & (pos >= min(MIN_CATEGORY_CUSTOMERS, self.min_category))
        )
        if eligible.size == 0:
            return None
        # Greedy by precision: the best prefix of the categories sorted by precision.
        prec = pos[eligible] / count[eligible]
        ranked = eligible[np.lexsort((-count[eligible], -prec))][:MAX_SET_SIZE]
        tps, supports = np.cumsum(pos[ranked]), np.cumsum(count[ranked])
        guide = self.guide(tps, supports)
        j = int(np.argmax(guide))
        chosen = sorted(attr.labels[c] for c in ranked[: j + 1])
        cond = (
            attr.condition("=", chosen[0]) if len(chosen) == 1
            else attr.condition("in", tuple(chosen))
        )
        return Scored(cond, int(tps[j]), int(supports[j]), float(guide[j]))

    def _any_set(self, attr: Attribute, within: np.ndarray) -> Scored | None:
        matrix = attr.values[within]
        y = self.label[within]
        if matrix.shape[1] == 0:
            return None
        usable = matrix.sum(axis=0) >= self.min_category
        covered = np.zeros(matrix.shape[0], dtype=bool)
        chosen: list[int] = []
        best, tp, support = -np.inf, 0, 0
        # Greedy: add the value that improves the objective most, while it improves.
        while len(chosen) < MAX_SET_SIZE:
            rest = matrix[~covered]
            gain_all = rest.sum(axis=0)
            gain_pos = rest[y[~covered]].sum(axis=0)
            guide = self.guide(tp + gain_pos, support + gain_all)
            # A value must bring its own customers (see MIN_CATEGORY_CUSTOMERS).
            guide[~usable | (gain_pos < min(MIN_CATEGORY_CUSTOMERS, self.min_category))] = -np.inf
            guide[chosen] = -np.inf
            j = int(np.argmax(guide))
            if not guide[j] > best + 1e-9:
                break
            best, tp, support = float(guide[j]), tp + int(gain_pos[j]), support + int(gain_all[j])
            chosen.append(j)
            covered |= matrix[:, j]
        if not chosen:
            return None
        values = tuple(sorted(attr.labels[c] for c in chosen))
        return Scored(attr.condition("in", values), tp, support, best)


def one_question(scanner: Scanner) -> list[Scored]:
    """The best single condition of every attribute, best first; those that miss a constraint
    of the objective (``meets_target`` false) come after the ones that meet it.

    >>> a = Attribute("c", "category", np.array([0, 0, 1, 1, 1, 1]), ("x", "y"))
    >>> s = Scanner([a], np.array([0, 0, 1, 1, 1, 0], bool), Objective(), min_category=1)
    >>> [x.condition.as_dict() for x in one_question(s)]
    [{'field': 'c', 'op': '=', 'value': 'y'}]
    """
    everyone = np.ones(scanner.label.size, dtype=bool)
    found = []
    for i in range(len(scanner.attributes)):
        options = [s for s in scanner.best(i, everyone) if np.isfinite(s.score)]
        if options:
            found.append(max(options, key=lambda s: s.score))
    return sorted(found, key=lambda s: (-s.score, s.condition.field))
