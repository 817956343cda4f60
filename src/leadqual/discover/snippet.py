"""The contract snippet: the best rule as ``fit:`` criteria, with the evidence beside each one.

Points split 40 between the rule's conditions, so that a lead meeting all of them reaches the
starter contract's ``mql: fit >= 40 and intent >= 30`` and a lead missing one does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from leadqual.discover.conditions import Condition

if TYPE_CHECKING:
    from leadqual.discover.report import DiscoveryReport, Figures

__all__ = ["FIT_THRESHOLD", "contract_snippet", "criterion_name"]

FIT_THRESHOLD = 40


def criterion_name(cond: Condition, taken: set[str]) -> str:
    """A unique contract name for ``cond``: ``employees_at_least``, ``technologies_any``…

    >>> criterion_name(Condition("employees", ">=", 5), set())
    'employees_at_least'
    """
    suffix = {">=": "at_least", "<=": "at_most", "=": "is"}.get(cond.op, "in")
    if cond.on_list:
        suffix = "any"
    base = f"{cond.field}_{suffix}".lower()
    name, k = base, 2
    while name in taken:
        name, k = f"{base}_{k}", k + 1
    taken.add(name)
    return name


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _evidence(fig: Figures) -> str:
    lo, hi = fig.ci
    return (f"precision {_pct(fig.precision)} (95% CI {_pct(lo)}–{_pct(hi)}), "
            f"recall {_pct(fig.recall)}, lift {fig.lift:.1f}x, support {fig.support:,}")


def _held(fig: Figures) -> str:
    return (f"held out: precision {_pct(fig.precision)}, recall {_pct(fig.recall)}, "
            f"support {fig.support:,}")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def contract_snippet(report: DiscoveryReport) -> str:
    """YAML ``fit:`` criteria for the best rule (or, without a rule, the best single question),
    each with its evidence as comments.

    >>> print(contract_snippet(report))  # doctest: +SKIP
    """
    split = report.split
    lines = [
        "# Proposed by `leadqual discover` — review it, then sign it into the contract.",
        f"# Learned on {split.train_leads:,} leads ({split.train_customers:,} customers, base rate "
        f"{_pct(report.base_rate)}); checked on the {split.heldout_leads:,} later leads "
        f"({split.heldout_customers:,} customers).",
        f"# Target: {report.target_text}.",
        *(f"# Note: {note}." for note in report.notes),
    ]
    if report.rules:
        best = report.rules[0]
        conds, parts = best.conditions, best.parts
        lines.append(f"# Whole rule: {_evidence(best.train)}")
        lines.append(f"#   {_held(best.heldout)}")
        lines.append(f"# A lead meeting all {len(conds)} conditions gets fit {FIT_THRESHOLD}.")
    elif report.one_question:
        q = report.one_question[0]
        conds, parts = (q.condition,), (q.train,)
        lines.append("# No rule met the target; this is the best single question.")
    else:
        return "\n".join([*lines, "# Nothing to propose: no condition met the target.", ""])
    share, extra = divmod(FIT_THRESHOLD, len(conds))
    taken: set[str] = set()
    lines.append("fit:")
    for i, (cond, fig) in enumerate(zip(conds, parts, strict=True)):
        points = share + (1 if i < extra else 0)
        lines.append(f"  - name: {criterion_name(cond, taken)}")
        lines.append(f"    when: {_quote(cond.to_expression())}")
        lines.append(f"    points: {points}")
        lines.append(f"    description: {_quote(cond.describe())}")
        lines.append(f"    # alone: {_evidence(fig)}")
    return "\n".join(lines) + "\n"
