"""``discover_table``: the whole discovery on an in-memory table — time split, one key question,
rule search, held-out figures — and the ``DiscoveryReport`` it returns.

Pure: no store, no clock. ``services.discovery`` builds the table from the store; a benchmark can
call this directly on synthetic rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from leadqual.discover.attributes import (
    CANDIDATE_SCOPES,
    RULE_SCOPES,
    Attribute,
    encode_attributes,
    in_scopes,
)
from leadqual.discover.conditions import Condition, render_rule
from leadqual.discover.one_question import Scanner, one_question
from leadqual.discover.rules import search_rules
from leadqual.discover.stats import Objective, Target, safe_ratio, wilson_interval
from leadqual.errors import InvalidInput

__all__ = [
    "MIN_TRAIN_CUSTOMERS",
    "TRAIN_SHARE",
    "DiscoveryReport",
    "Figures",
    "QuestionFinding",
    "RuleFinding",
    "Split",
    "discover_table",
]

TRAIN_SHARE = 0.7
MIN_TRAIN_CUSTOMERS = 30
DEFAULT_MIN_SUPPORT = 20


@dataclass(frozen=True)
class Figures:
    """How a condition or rule did on one part of the data."""

    precision: float
    recall: float
    support: int
    customers: int
    lift: float
    ci: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 6),
            "recall": round(self.recall, 6),
            "support": self.support,
            "customers": self.customers,
            "lift": round(self.lift, 6),
            "ci": [round(self.ci[0], 6), round(self.ci[1], 6)],
        }


@dataclass(frozen=True)
class QuestionFinding:
    condition: Condition
    train: Figures
    heldout: Figures
    meets_target: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.condition.as_dict(),
            **{k: v for k, v in self.train.as_dict().items() if k != "customers"},
            "customers": self.train.customers,
            "expression": self.condition.to_expression(),
            "meets_target": self.meets_target,
            "heldout": self.heldout.as_dict(),
        }


@dataclass(frozen=True)
class RuleFinding:
    conditions: tuple[Condition, ...]
    train: Figures
    heldout: Figures
    parts: tuple[Figures, ...]  # each condition alone, on the training part

    @property
    def expression(self) -> str:
        return render_rule(self.conditions)

    def as_dict(self) -> dict[str, Any]:
        train = self.train.as_dict()
        return {
            "conditions": [c.as_dict() for c in self.conditions],
            "precision": train["precision"],
            "recall": train["recall"],
            "support": train["support"],
            "customers": train["customers"],
            "lift": train["lift"],
            "ci": train["ci"],
            "expression": self.expression,
            "heldout": self.heldout.as_dict(),
        }


@dataclass(frozen=True)
class Split:
    """The time split: training on leads whose cutoff is at or before ``boundary``."""

    boundary: datetime | None
    train_leads: int
    train_customers: int
    heldout_leads: int
    heldout_customers: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "boundary": self.boundary.isoformat() if self.boundary else None,
            "train": {"leads": self.train_leads, "customers": self.train_customers,
                      "base_rate": round(safe_ratio(self.train_customers,
                                                    self.train_leads).item(), 6)},
            "heldout": {"leads": self.heldout_leads, "customers": self.heldout_customers,
                        "base_rate": round(safe_ratio(self.heldout_customers,
                                                      self.heldout_leads).item(), 6)},
            "all": {"leads": self.train_leads + self.heldout_leads,
                    "customers": self.train_customers + self.heldout_customers},
        }


@dataclass(frozen=True)
class DiscoveryReport:
    """What discovery found. ``base_rate``, ``n_leads`` and ``n_customers`` describe the training
    part — the population every training figure (precision, recall, lift, support, CI) was
    computed on; ``split`` gives the held-out part and the whole."""

    base_rate: float
    n_leads: int
    n_customers: int
    one_question: tuple[QuestionFinding, ...]
    rules: tuple[RuleFinding, ...]
    split: Split
    objective: Objective
    notes: tuple[str, ...] = field(default=())

    @property
    def target_text(self) -> str:
        o = self.objective
        if o.target == "precision":
            return f"highest precision with recall ≥ {o.min_recall:.0%}"
        if o.target == "recall":
            return f"highest recall with precision ≥ {o.min_precision:.0%}"
        return "F1 (precision and recall weighed equally)" if o.beta == 1 else (
            f"F-beta with beta = {o.beta:g}"
        )

    @property
    def snippet(self) -> str:
        from leadqual.discover.snippet import contract_snippet

        return contract_snippet(self)

    def as_json(self) -> dict[str, Any]:
        o = self.objective
        return {
            "base_rate": round(self.base_rate, 6),
            "n_leads": self.n_leads,
            "n_customers": self.n_customers,
            "one_question": [q.as_dict() for q in self.one_question],
            "rules": [r.as_dict() for r in self.rules],
            "split": self.split.as_dict(),
            "target": {"target": o.target, "beta": o.beta, "min_precision": o.min_precision,
                       "min_recall": o.min_recall, "min_support": o.min_support},
            "notes": list(self.notes),
            "snippet": self.snippet,
        }


def _figures(mask: np.ndarray, label: np.ndarray, base_rate: float) -> Figures:
    support = int(mask.sum())
    tp = int((mask & label).sum())
    customers = int(label.sum())
    precision = float(safe_ratio(tp, support))
    lo, hi = wilson_interval(tp, support)
    return Figures(
        precision=precision,
        recall=float(safe_ratio(tp, customers)),
        support=support,
        customers=tp,
        lift=precision / base_rate if base_rate > 0 else 0.0,
        ci=(float(lo), float(hi)),
    )


def _mask(attrs: dict[str, Attribute], conds: Sequence[Condition], n: int) -> np.ndarray:
    m = np.ones(n, dtype=bool)
    for c in conds:
        m &= attrs[c.field].mask(c)
    return m


def _check_target(target: str, beta: float, min_precision: float | None,
                  min_recall: float | None, min_support: int, max_conditions: int,
                  top: int) -> Objective:
    if target not in ("fbeta", "precision", "recall"):
        raise InvalidInput(f"--target must be fbeta, precision or recall (got {target!r})",
                           field="target")
    if target == "precision" and min_recall is None:
        raise InvalidInput("--target precision needs --min-recall (e.g. 0.5): the highest "
                           "precision alone is a rule that keeps one customer", field="min_recall")
    if target == "recall" and min_precision is None:
        raise InvalidInput("--target recall needs --min-precision (e.g. 0.3): the highest recall "
                           "alone is a rule that keeps every lead", field="min_precision")
    for name, value in (("--min-precision", min_precision), ("--min-recall", min_recall)):
        if value is not None and not 0 <= value <= 1:
            raise InvalidInput(f"{name} is a share between 0 and 1 (got {value})")
    if not beta > 0 or not math.isfinite(beta):
        raise InvalidInput(f"--beta must be above 0 (got {beta}); 1 weighs precision and recall "
                           "equally, 2 favours recall", field="beta")
    if min_support < 1:
        raise InvalidInput(f"--min-support must be at least 1 (got {min_support})")
    if not 2 <= max_conditions <= 4:
        raise InvalidInput(f"--max-conditions must be 2, 3 or 4 (got {max_conditions}); short "
                           "rules are what marketing and sales can sign", field="max_conditions")
    if top < 1:
        raise InvalidInput(f"--top must be at least 1 (got {top})", field="top")
    return Objective(target=target, beta=beta, min_precision=min_precision or 0.0,  # type: ignore[arg-type]
                     min_recall=min_recall or 0.0, min_support=min_support)


def discover_table(
    table: pa.Table,
    label: np.ndarray,
    cutoff: np.ndarray,
    *,
    target: Target = "fbeta",
    beta: float = 2.0,
    min_precision: float | None = None,
    min_recall: float | None = None,
    min_support: int = DEFAULT_MIN_SUPPORT,
    max_conditions: int = 3,
    top: int = 5,
    fields: Sequence[str] | None = None,
    beam_width: int = 8,
    rule_scopes: Sequence[str] = RULE_SCOPES,
    min_customers: int = MIN_TRAIN_CUSTOMERS,
    train_share: float = TRAIN_SHARE,
) -> DiscoveryReport:
    """Discover criteria on ``table`` (one row per lead), ``label`` (True: became a customer)
    and ``cutoff`` (each lead's point in time, datetime64 — orders the time split).

    Rules use the attributes of ``rule_scopes`` (default: firmographic — the ideal customer
    profile says *which companies*) and any column the feature schema does not document; the
    one-question table shows every attribute, persona and behaviour included.

    Raises ``InvalidInput`` when the training part holds fewer than ``min_customers`` customers.

    >>> report = discover_table(table, label, cutoff)  # doctest: +SKIP
    >>> report.rules[0].expression  # doctest: +SKIP
    "employees >= 250 and industry in ('retail', 'software')"
    """
    objective = _check_target(target, beta, min_precision, min_recall, min_support,
                              max_conditions, top)
    unknown = [sc for sc in rule_scopes if sc not in CANDIDATE_SCOPES]
    if unknown:
        raise InvalidInput(f"unknown scope {unknown[0]!r}: rules may use "
                           f"{', '.join(CANDIDATE_SCOPES)}", field="scope")
    label = np.asarray(label, dtype=bool)
    n = table.num_rows
    if label.shape != (n,) or np.asarray(cutoff).shape != (n,):
        raise InvalidInput(f"label and cutoff need one value per row of the table ({n:,} rows)")
    order = np.argsort(np.asarray(cutoff), kind="stable")
    n_train = math.ceil(train_share * n)
    train = np.zeros(n, dtype=bool)
    train[order[:n_train]] = True
    customers, train_customers = int(label.sum()), int(label[train].sum())
    if train_customers < min_customers:
        raise InvalidInput(
            f"too few customers to claim a rule: discovery needs at least {min_customers} "
            f"customers (leads with a won deal) in its training part — the earliest "
            f"{train_share:.0%} of leads by cutoff — and there are {train_customers} "
            f"({customers} in all, {n:,} leads). Import more won deals, or a longer history, "
            "and run it again."
        )
    boundary = None
    if n_train:
        last = np.asarray(cutoff)[order[n_train - 1]]
        boundary = last.astype("datetime64[us]").astype(datetime) if not np.isnat(last) else None
    split = Split(boundary, n_train, train_customers, n - n_train, customers - train_customers)

    attrs = encode_attributes(table, fields)
    by_name = {a.name: a for a in attrs}
    heldout = ~train
    train_attrs = [a.take(train) for a in attrs]
    y_train, y_test = label[train], label[heldout]
    base_train = train_customers / n_train
    base_test = float(safe_ratio(y_test.sum(), y_test.size))
    scanner = Scanner(train_attrs, y_train, objective)

    def figures(conds: Sequence[Condition]) -> tuple[Figures, Figures]:
        m = _mask(by_name, conds, n)
        return _figures(m[train], y_train, base_train), _figures(m[heldout], y_test, base_test)

    questions = []
    for s in one_question(scanner):
        tr, te = figures([s.condition])
        questions.append(QuestionFinding(s.condition, tr, te, s.meets_target))
    rule_attrs = [a for a in train_attrs if in_scopes(a.name, rule_scopes)]
    # Halves for the rule search's stability check: alternate training leads in time order.
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    halves = rank[train] % 2 == 0
    rule_scanner = Scanner(rule_attrs, y_train, objective, halves=halves)
    rules = []
    for r in search_rules(
        rule_scanner, max_conditions=max_conditions, beam_width=beam_width, top=top
    ):
        tr, te = figures(r.conditions)
        parts = tuple(figures([c])[0] for c in r.conditions)
        rules.append(RuleFinding(r.conditions, tr, te, parts))
    notes = []
    if split.heldout_customers < 10:
        notes.append(f"only {split.heldout_customers} customers in the held-out part: "
                     "its figures are rough")
    if train_customers == n_train:
        notes.append("every lead of the training part became a customer: there are no "
                     "non-customers to tell them apart from, so no condition can do better than "
                     "taking every lead")
    if not rules:
        notes.append("no rule of 2 or more conditions met the target; relax --min-support, "
                     "--min-precision or --min-recall")
    return DiscoveryReport(
        base_rate=base_train,
        n_leads=n_train,
        n_customers=train_customers,
        one_question=tuple(questions),
        rules=tuple(rules),
        split=split,
        objective=objective,
        notes=tuple(notes),
    )
