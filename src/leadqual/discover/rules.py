"""Short rules: the best conjunctions of 2–3 conditions, found by beam search.

The search starts from every attribute's best single condition, keeps the ``beam_width`` best
partial rules, and extends each by the best condition on every other attribute *within the leads
the partial rule already matches* (an exact, vectorized re-scan — so a threshold adapts to the
conditions before it). An extension must raise the objective by at least ``min_gain``, and the
leads it removes must be clearly worse than the rule before it (see ``_separates``): a condition
that buys almost nothing, or only trims a few unlucky leads, is the usual way a rule overfits —
and it must help on both halves of the training leads (``_stable``).
Finally
each rule's conditions are re-tuned, one at a time, given the others, and every condition is
checked again *given the others* (``_significant``): one that no longer passes both tests is
dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leadqual.discover.conditions import Condition
from leadqual.discover.one_question import Scanner, Scored
from leadqual.discover.stats import Objective, wilson_interval

__all__ = ["Rule", "search_rules"]

RETUNE_ROUNDS = 2


@dataclass(frozen=True)
class Rule:
    """A conjunction with its training counts and score."""

    conditions: tuple[Condition, ...]
    tp: int
    support: int
    score: float

    @property
    def signature(self) -> frozenset[tuple[str, str]]:
        return frozenset(c.signature for c in self.conditions)


@dataclass(frozen=True)
class _State:
    rule: Rule
    mask: np.ndarray
    attrs: tuple[int, ...]


def _attr_index(scanner: Scanner) -> dict[str, int]:
    return {a.name: i for i, a in enumerate(scanner.attributes)}


def _mask(scanner: Scanner, conds: Sequence[Condition]) -> np.ndarray:
    index = _attr_index(scanner)
    m = np.ones(scanner.label.size, dtype=bool)
    for c in conds:
        m &= scanner.attributes[index[c.field]].mask(c)
    return m


def _rule(scanner: Scanner, conds: Sequence[Condition], mask: np.ndarray) -> Rule:
    tp = int(scanner.label[mask].sum())
    support = int(mask.sum())
    return Rule(tuple(conds), tp, support, float(scanner.guide(np.array(tp), np.array(support))))


def _retune(scanner: Scanner, rule: Rule) -> Rule:
    """Re-optimise each condition given the others (coordinate ascent; never worse)."""
    index = _attr_index(scanner)
    best = rule
    for _ in range(RETUNE_ROUNDS):
        changed = False
        for j, cond in enumerate(best.conditions):
            others = best.conditions[:j] + best.conditions[j + 1 :]
            within = _mask(scanner, others)
            for option in scanner.best(index[cond.field], within):
                if option.condition.signature != cond.signature:
                    continue
                conds = (*others[:j], option.condition, *others[j:])
                cand = _rule(scanner, conds, within & scanner.attributes[
                    index[cond.field]].mask(option.condition))
                if cand.score > best.score + 1e-9:
                    best, changed = cand, True
        if not changed:
            break
    return best


def search_rules(
    scanner: Scanner,
    *,
    max_conditions: int = 3,
    beam_width: int = 8,
    top: int = 5,
    min_gain: float = 0.01,
) -> list[Rule]:
    """The ``top`` best distinct rules of 2 to ``max_conditions`` conditions (distinct: no two
    rules ask the same questions — same fields and directions), best first, always including the
    best rule of each length; only rules that meet the objective's constraints.

    >>> from leadqual.discover.attributes import Attribute
    >>> from leadqual.discover.stats import Objective
    >>> a = Attribute("a", "numeric", np.tile(np.arange(8.0), 20))
    >>> b = Attribute("b", "numeric", np.tile(np.repeat([1.0, 0], 8), 10))
    >>> y = (a.values >= 4) & (b.values >= 1)
    >>> rules = search_rules(Scanner([a, b], y, Objective()), top=1)
    >>> sorted(c.describe() for c in rules[0].conditions)
    ['a ≥ 4', 'b ≥ 1']
    """
    everyone = np.ones(scanner.label.size, dtype=bool)
    beam: list[_State] = []
    for i in range(len(scanner.attributes)):
        for s in scanner.best(i, everyone):
            if np.isfinite(s.score):
                mask = scanner.attributes[i].mask(s.condition)
                beam.append(_State(_rule(scanner, [s.condition], mask), mask, (i,)))
    beam = _prune(beam, beam_width)
    found: dict[frozenset[tuple[str, str]], Rule] = {}
    for _ in range(max_conditions - 1):
        grown: list[_State] = []
        for state in beam:
            taken = {c.signature for c in state.rule.conditions}
            for i in range(len(scanner.attributes)):
                for s in scanner.best(i, state.mask):
                    if s.condition.signature in taken or not np.isfinite(s.score):
                        continue
                    if s.score < state.rule.score + min_gain or not _separates(state.rule, s):
                        continue
                    mask = state.mask & scanner.attributes[i].mask(s.condition)
                    if not _stable(scanner, state.mask, mask):
                        continue
                    rule = Rule((*state.rule.conditions, s.condition), s.tp, s.support, s.score)
                    grown.append(_State(rule, mask, (*state.attrs, i)))
        beam = _prune(grown, beam_width)
        for state in beam:
            key = state.rule.signature
            if key not in found or state.rule.score > found[key].score:
                found[key] = state.rule
        if not beam:
            break
    tuned: dict[frozenset[tuple[str, str]], Rule] = {}
    for rule in found.values():
        if rule.score <= -1.0:  # misses a constraint of the target
            continue
        better = _simplify(scanner, _retune(scanner, rule), min_gain)
        better = _significant(scanner, better)
        if len(better.conditions) < 2:
            continue
        if better.signature not in tuned or better.score > tuned[better.signature].score:
            tuned[better.signature] = better
    ranked = sorted(tuned.values(), key=lambda r: (-r.score, len(r.conditions)))
    chosen = ranked[:top]
    # Always show the best rule of every length, so a shorter rule almost as good is not hidden.
    for length in range(2, max_conditions + 1) if top >= max_conditions - 1 else ():
        best = next((r for r in ranked if len(r.conditions) == length), None)
        if best is not None and best not in chosen:
            if len(chosen) == top:  # drop the weakest that is not a best of its length
                firsts = {next(r for r in ranked if len(r.conditions) == k).signature
                          for k in {len(r.conditions) for r in chosen}}
                drop = next(r for r in reversed(chosen) if r.signature not in firsts)
                chosen.remove(drop)
            chosen.append(best)
    return sorted(chosen, key=lambda r: (-r.score, len(r.conditions)))


def _simplify(scanner: Scanner, rule: Rule, min_gain: float) -> Rule:
    """Drop conditions that do not earn their place: the rule without one — its other
    conditions re-tuned to take over its work — scores within ``min_gain`` of the rule with it.
    This is how a near-substitute goes (``dept_sales <= 53`` beside ``employees <= 860``, both
    capping company size): once the size cap is re-tuned alone, the second one adds nothing."""
    current = rule
    while len(current.conditions) > 1:
        options = []
        for j in range(len(current.conditions)):
            rest = current.conditions[:j] + current.conditions[j + 1 :]
            options.append(_retune(scanner, _rule(scanner, rest, _mask(scanner, rest))))
        best = max(options, key=lambda r: r.score)
        if best.score < current.score - min_gain:
            break
        current = best
    return current


def _significant(scanner: Scanner, rule: Rule) -> Rule:
    """Drop, weakest first, the conditions that are no longer significant *given the others*
    once the rule was re-tuned: the leads a condition removes from the rule without it must be
    clearly worse (``_separates``) and it must still help on both halves of the training leads
    (``_stable``). A condition that earned its place early in the search can lose it when a
    later one takes over its work (a correlated attribute, a threshold moved by re-tuning)."""
    current = rule
    while len(current.conditions) > 1:
        weak = []
        for j in range(len(current.conditions)):
            rest = current.conditions[:j] + current.conditions[j + 1 :]
            within = _mask(scanner, rest)
            parent = _rule(scanner, rest, within)
            full = _mask(scanner, current.conditions)
            child = Scored(current.conditions[j], current.tp, current.support, current.score)
            if not (_separates(parent, child) and _stable(scanner, within, full)):
                weak.append(parent)
        if not weak:
            break
        current = max(weak, key=lambda r: r.score)
    return current


def _separates(parent: Rule, child: Scored) -> bool:
    """Whether the leads an added condition removes are clearly worse than the parent rule:
    even the optimistic end (the 95% Wilson upper bound) of their customer rate lies below the
    parent's precision. Trimming a few leads that happened to hold no customer is noise."""
    removed = parent.support - child.support
    if removed <= 0:
        return False
    _, hi = wilson_interval(parent.tp - child.tp, removed)
    return float(hi) < parent.tp / parent.support


def _stable(scanner: Scanner, parent: np.ndarray, child: np.ndarray) -> bool:
    """Whether the added condition raises F-beta on both halves of the training leads
    (alternate leads in time order): a pattern only one half shows is most likely chance."""
    plain = Objective(beta=scanner.objective.beta)
    for half in (scanner.halves, ~scanner.halves):
        y = scanner.label & half
        positives = int(y.sum())
        if positives == 0:  # nothing to judge on this half
            continue
        counts = np.array([(parent & y).sum(), (child & y).sum()])
        sizes = np.array([(parent & half).sum(), (child & half).sum()])
        before, after = plain.score(counts, sizes, positives)
        if not after > before:
            return False
    return True


def _prune(states: list[_State], width: int) -> list[_State]:
    """The ``width`` best states, one per set of questions."""
    seen: set[frozenset[tuple[str, str]]] = set()
    out: list[_State] = []
    for st in sorted(states, key=lambda s: -s.rule.score):
        if st.rule.signature in seen:
            continue
        seen.add(st.rule.signature)
        out.append(st)
        if len(out) == width:
            break
    return out
