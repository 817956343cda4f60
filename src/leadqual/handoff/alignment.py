"""The alignment report's arithmetic: how sales received marketing's MQLs. Pure: one row per MQL
in, rates out.

An MQL is *decided* once sales accepted or rejected it; the acceptance rate is accepted / decided
(undecided MQLs do not count against marketing). Per criterion, an MQL counts under every fit
criterion it passed when it became an MQL — a criterion whose MQLs sales keeps rejecting is the
first candidate for the next contract change.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["AlignmentReport", "Group", "MqlOutcome", "alignment_report"]


@dataclass(frozen=True)
class MqlOutcome:
    """One lead that became an MQL, and what sales made of it."""

    lead_id: int
    source: str | None
    criteria: tuple[str, ...]
    mql_at: datetime
    verdict: str | None = None  # accepted | rejected | None (not decided yet)
    reason: str | None = None
    sql_at: datetime | None = None
    due_at: datetime | None = None
    first_touch_at: datetime | None = None


@dataclass
class Group:
    mqls: int = 0
    accepted: int = 0
    rejected: int = 0
    sql: int = 0
    reasons: Counter[str] = field(default_factory=Counter)

    def add(self, o: MqlOutcome) -> None:
        self.mqls += 1
        self.accepted += o.verdict == "accepted"
        self.rejected += o.verdict == "rejected"
        self.sql += o.sql_at is not None
        if o.verdict == "rejected" and o.reason:
            self.reasons[o.reason] += 1

    @property
    def acceptance_rate(self) -> float | None:
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "mqls": self.mqls,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "undecided": self.mqls - self.accepted - self.rejected,
            "acceptance_rate": self.acceptance_rate,
            "sql": self.sql,
            "mql_to_sql_rate": self.sql / self.mqls if self.mqls else None,
            "rejection_reasons": dict(self.reasons.most_common()),
        }


@dataclass(frozen=True)
class AlignmentReport:
    overall: Group
    by_criterion: dict[str, Group]
    by_source: dict[str, Group]
    mql_to_sql_hours: dict[str, float | int | None]
    sla: dict[str, float | int | None]

    def as_dict(self) -> dict[str, Any]:
        return {
            "overall": self.overall.as_dict(),
            "by_criterion": {k: g.as_dict() for k, g in self.by_criterion.items()},
            "by_source": {k: g.as_dict() for k, g in self.by_source.items()},
            "mql_to_sql_hours": self.mql_to_sql_hours,
            "sla": self.sla,
        }


def _quantiles(values: list[float]) -> dict[str, float | int | None]:
    if not values:
        return {"n": 0, "median": None, "p90": None}
    values = sorted(values)
    p90 = values[min(len(values) - 1, round(0.9 * (len(values) - 1)))]
    return {"n": len(values), "median": round(statistics.median(values), 2), "p90": round(p90, 2)}


def alignment_report(outcomes: Iterable[MqlOutcome], *, now: datetime) -> AlignmentReport:
    """Acceptance overall, per criterion and per source; rejection reasons; MQL→SQL time; SLA.

    SLA compliance counts leads with a deadline: touched in time, touched late, still open and
    overdue at ``now``; compliance is in-time / (in time + late + overdue).

    >>> o = [MqlOutcome(1, "web", ("right_size",), datetime(2026, 1, 1), "accepted"),
    ...      MqlOutcome(2, "web", ("right_size",), datetime(2026, 1, 1), "rejected", "no_need")]
    >>> r = alignment_report(o, now=datetime(2026, 2, 1))
    >>> r.overall.acceptance_rate, dict(r.by_criterion["right_size"].reasons)
    (0.5, {'no_need': 1})
    """
    overall = Group()
    by_criterion: dict[str, Group] = defaultdict(Group)
    by_source: dict[str, Group] = defaultdict(Group)
    to_sql: list[float] = []
    in_time = late = overdue = pending = 0
    for o in outcomes:
        overall.add(o)
        for c in o.criteria:
            by_criterion[c].add(o)
        by_source[o.source or "unknown"].add(o)
        if o.sql_at is not None:
            to_sql.append((o.sql_at - o.mql_at).total_seconds() / 3600)
        if o.due_at is not None:
            if o.first_touch_at is not None:
                in_time += o.first_touch_at <= o.due_at
                late += o.first_touch_at > o.due_at
            elif o.due_at < now:
                overdue += 1
            else:
                pending += 1
    judged = in_time + late + overdue
    return AlignmentReport(
        overall=overall,
        by_criterion=dict(sorted(by_criterion.items(), key=lambda kv: -kv[1].mqls)),
        by_source=dict(sorted(by_source.items(), key=lambda kv: -kv[1].mqls)),
        mql_to_sql_hours=_quantiles(to_sql),
        sla={
            "with_deadline": judged + pending,
            "touched_in_time": in_time,
            "touched_late": late,
            "overdue": overdue,
            "open_in_time": pending,
            "compliance_rate": in_time / judged if judged else None,
        },
    )
