"""The funnel by month: new leads, and leads first reaching MQL, SQL and customer, per calendar
month — what the funnel page charts.

This is a read of the store in the manner of ``services.leads.funnel`` and belongs beside it;
it lives here until the services' owner takes it in (the page calls only ``funnel_by_month``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import extract, func, select

from leadqual.store.database import Store
from leadqual.store.models import Lead, StageChange

__all__ = ["MONTHLY_STAGES", "MonthlyFunnel", "funnel_by_month"]

MONTHLY_STAGES = ("mql", "sql", "customer")


@dataclass(frozen=True)
class MonthlyFunnel:
    """``months`` ('2026-03', …, oldest first) and, per series, one count per month."""

    months: list[str]
    series: dict[str, list[int]]

    def as_json(self) -> dict[str, Any]:
        return {"months": self.months, "series": self.series}


def _month(column: Any) -> Any:
    # year * 100 + month: one portable integer per month (SQLite and PostgreSQL alike)
    return extract("year", column) * 100 + extract("month", column)


def funnel_by_month(store: Store, *, months: int = 12) -> MonthlyFunnel:
    """The latest ``months`` months that have any lead or stage change. A lead counts in a stage
    once, in the month it first reached it (by the stage history).

    >>> # funnel_by_month(store).series["mql"][-1]
    """
    first = (
        select(
            StageChange.to_stage.label("stage"),
            func.min(StageChange.at).label("at"),
        )
        .where(StageChange.to_stage.in_(MONTHLY_STAGES))
        .group_by(StageChange.lead_id, StageChange.to_stage)
        .subquery()
    )
    reached = select(first.c.stage, _month(first.c.at).label("m"), func.count()).group_by(
        first.c.stage, "m"
    )
    created = select(_month(Lead.created_at).label("m"), func.count()).group_by("m")
    counts: dict[str, dict[int, int]] = {"leads": {}, **{s: {} for s in MONTHLY_STAGES}}
    with store.session() as s:
        for m, n in s.execute(created):
            counts["leads"][int(m)] = int(n)
        for stage, m, n in s.execute(reached):
            counts[stage][int(m)] = int(n)
    seen = sorted({m for per in counts.values() for m in per})
    if not seen:
        return MonthlyFunnel([], {name: [] for name in counts})
    last = seen[-1]
    year, month = divmod(last, 100)
    keys = []
    for _ in range(months):
        keys.append(year * 100 + month)
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    keys.reverse()
    keys = [k for k in keys if k >= seen[0]]
    return MonthlyFunnel(
        months=[f"{k // 100}-{k % 100:02d}" for k in keys],
        series={name: [per.get(k, 0) for k in keys] for name, per in counts.items()},
    )
