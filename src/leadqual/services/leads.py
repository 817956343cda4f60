"""Read leads and the funnel: what `leadqual leads`, `leadqual funnel` and the API show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
from sqlalchemy import extract, func, or_, select

from leadqual.domain.lifecycle import STAGES
from leadqual.errors import InvalidInput
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Lead, StageChange

__all__ = [
    "EMPLOYEE_BANDS",
    "Funnel",
    "FunnelOptions",
    "LeadView",
    "PeriodFunnel",
    "Segment",
    "StageTime",
    "funnel",
    "funnel_options",
    "list_leads",
    "monthly_funnel",
]


@dataclass(frozen=True)
class LeadView:
    key: str
    account_domain: str | None
    email: str | None
    stage: str
    fit: float | None
    intent: float | None
    reasons: list[str]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def list_leads(store: Store, *, stage: str | None = None, top: int | None = None) -> list[LeadView]:
    """Leads, best first (fit + intent, then key), optionally of one stage and the top N.

    >>> # list_leads(store, stage="mql", top=10)
    """
    if stage is not None and stage not in STAGES:
        raise InvalidInput(
            f"unknown stage {stage!r}; stages are {', '.join(STAGES)}", field="stage"
        )
    if top is not None and top < 1:
        raise InvalidInput("--top must be at least 1", field="top")
    score = func.coalesce(Lead.fit, 0) + func.coalesce(Lead.intent, 0)
    stmt = (
        select(
            Lead.key, Account.domain, Contact.email, Lead.stage, Lead.fit, Lead.intent, Lead.reasons
        )
        .outerjoin(Account, Account.id == Lead.account_id)
        .outerjoin(Contact, Contact.id == Lead.contact_id)
        .order_by(score.desc(), Lead.key)
    )
    if stage is not None:
        stmt = stmt.where(Lead.stage == stage)
    if top is not None:
        stmt = stmt.limit(top)
    with store.session() as s:
        rows = s.execute(stmt).all()
    return [
        LeadView(
            key=r[0],
            account_domain=r[1],
            email=r[2],
            stage=r[3],
            fit=r[4],
            intent=None if r[5] is None else round(r[5], 2),
            reasons=list(r[6] or []),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Funnel:
    """``reached``: leads that were ever MQL / ever SQL (by the history or their current stage),
    and customers (``won``); ``won_from_mql``: customers that were MQL before they bought."""

    leads: int
    reached: dict[str, int]
    won_from_mql: int
    current: dict[str, int]
    conversion: dict[str, float | None]

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _ever(stage: str) -> Any:
    history = select(StageChange.lead_id).where(StageChange.to_stage == stage)
    return or_(Lead.stage == stage, Lead.id.in_(history))


def funnel(store: Store) -> Funnel:
    """The funnel: how many leads reached MQL, SQL and won, and the conversion between them."""
    with store.session() as s:
        total = s.scalar(select(func.count(Lead.id))) or 0
        current = dict(s.execute(select(Lead.stage, func.count()).group_by(Lead.stage)).all())
        count = select(func.count(Lead.id))
        mql, sql = s.scalar(count.where(_ever("mql"))), s.scalar(count.where(_ever("sql")))
        won = s.scalar(count.where(Lead.stage == "customer"))
        won_from_mql = s.scalar(count.where(Lead.stage == "customer", _ever("mql")))
    reached = {"mql": mql or 0, "sql": sql or 0, "won": won or 0}

    def rate(a: int, b: int) -> float | None:
        return round(b / a, 4) if a else None

    return Funnel(
        leads=total,
        reached=reached,
        won_from_mql=won_from_mql or 0,
        current={st: int(current.get(st, 0)) for st in STAGES},
        conversion={
            "lead→mql": rate(total, reached["mql"]),
            "mql→sql": rate(reached["mql"], reached["sql"]),
            "mql→won": rate(reached["mql"], won_from_mql or 0),
            "won_that_were_mql": rate(reached["won"], won_from_mql or 0),
        },
    )


# -- the funnel over time ------------------------------------------------------------------------

PERIOD_STAGES = ("mql", "sql", "customer")
PERIODS = {"month": 12, "week": 26}
EMPLOYEE_BANDS: dict[str, tuple[int, int | None]] = {
    "1-49": (1, 49),
    "50-249": (50, 249),
    "250-999": (250, 999),
    "1000+": (1000, None),
}
SEGMENT_KINDS = ("employees", "industry")
_DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Segment:
    """A slice of the accounts: ``employees`` in one of ``EMPLOYEE_BANDS``, or one ``industry``.
    Written ``employees:50-249`` or ``industry:software``.

    >>> Segment.parse("employees:50-249")
    Segment(kind='employees', value='50-249')
    """

    kind: str
    value: str

    @classmethod
    def parse(cls, text: str) -> Segment:
        kind, sep, value = text.strip().partition(":")
        kind, value = kind.strip().lower(), value.strip()
        if not sep or kind not in SEGMENT_KINDS or not value:
            raise InvalidInput(
                f"segment {text!r}: write employees:BAND (bands {', '.join(EMPLOYEE_BANDS)}) "
                "or industry:NAME",
                field="segment",
            )
        if kind == "employees" and value not in EMPLOYEE_BANDS:
            raise InvalidInput(
                f"employees band {value!r} unknown; bands are {', '.join(EMPLOYEE_BANDS)}",
                field="segment",
            )
        return cls(kind, value)

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"

    def condition(self) -> Any:
        if self.kind == "industry":
            return func.lower(Account.industry) == self.value.lower()
        low, high = EMPLOYEE_BANDS[self.value]
        return Account.employees >= low if high is None else Account.employees.between(low, high)


@dataclass(frozen=True)
class FunnelOptions:
    """What the funnel can be sliced by in this store: the leads' sources and the accounts'
    industries (the employee bands are fixed)."""

    sources: list[str]
    industries: list[str]
    employee_bands: tuple[str, ...] = tuple(EMPLOYEE_BANDS)


def funnel_options(store: Store) -> FunnelOptions:
    """The sources and industries present, for the funnel's filters."""
    with store.session() as s:
        sources = s.scalars(
            select(Lead.source).where(Lead.source.is_not(None)).distinct().order_by(Lead.source)
        ).all()
        industries = s.scalars(
            select(Account.industry)
            .where(Account.industry.is_not(None))
            .distinct()
            .order_by(Account.industry)
        ).all()
    return FunnelOptions([str(x) for x in sources], [str(x) for x in industries])


@dataclass(frozen=True)
class StageTime:
    """How long leads stayed in a stage before they left it: the median and the number of stays."""

    median_days: float | None
    stays: int


@dataclass(frozen=True)
class PeriodFunnel:
    """The funnel per period (``by`` month or week, oldest first; a week is named by its
    Monday): new leads, and leads first reaching MQL, SQL and customer in it. ``totals`` sum
    the shown periods and ``conversion`` divides those sums (counts per period, not cohorts: a
    lead created before the first period may reach MQL in it); ``time_in_stage`` holds the
    stays that ended in the shown periods."""

    by: str
    periods: list[str]
    series: dict[str, list[int]]
    totals: dict[str, int]
    conversion: dict[str, float | None]
    time_in_stage: dict[str, StageTime]
    source: str | None = None
    segment: str | None = None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def _day_number(column: Any) -> Any:
    # yyyymmdd as one integer: portable across SQLite and PostgreSQL, grouped in the database
    return (
        extract("year", column) * 10_000 + extract("month", column) * 100 + extract("day", column)
    )


def _period_start(day: int, by: str) -> date:
    d = date(day // 10_000, day // 100 % 100, day % 100)
    return d.replace(day=1) if by == "month" else d - timedelta(days=d.weekday())


def _previous(start: date, by: str) -> date:
    if by == "week":
        return start - timedelta(days=7)
    return (start - timedelta(days=1)).replace(day=1)


def _scoped(stmt: Any, source: str | None, segment: Segment | None) -> Any:
    if source is not None:
        stmt = stmt.where(Lead.source == source)
    if segment is not None:
        stmt = stmt.join(Account, Account.id == Lead.account_id).where(segment.condition())
    return stmt


def _time_in_stage(
    s: Any, since: datetime, source: str | None, segment: Segment | None
) -> dict[str, StageTime]:
    """Each history row ends a stay in its ``from_stage`` that began at the lead's previous
    change (or its creation): the seconds are computed in the database, the medians here."""
    previous = func.lag(StageChange.at).over(
        partition_by=StageChange.lead_id, order_by=(StageChange.at, StageChange.id)
    )
    stays = _scoped(
        select(
            StageChange.from_stage.label("stage"),
            StageChange.at.label("at"),
            func.coalesce(previous, Lead.created_at).label("began"),
        ).join(Lead, Lead.id == StageChange.lead_id),
        source,
        segment,
    ).subquery()
    seconds = extract("epoch", stays.c.at) - extract("epoch", stays.c.began)
    rows = s.execute(select(stays.c.stage, seconds).where(stays.c.at >= since)).all()
    by_stage: dict[str, list[float]] = {}
    for stage, secs in rows:
        by_stage.setdefault(stage, []).append(max(float(secs or 0), 0.0) / _DAY_SECONDS)
    out = {}
    for stage in STAGES:
        days = by_stage.get(stage)
        if days:
            out[stage] = StageTime(round(float(np.median(days)), 1), len(days))
    return out


def monthly_funnel(
    store: Store,
    *,
    by: str = "month",
    source: str | None = None,
    segment: Segment | str | None = None,
    periods: int | None = None,
) -> PeriodFunnel:
    """The funnel per month or week over the latest ``periods`` periods that have data (12
    months or 26 weeks unless given), for leads of one ``source`` and accounts of one
    ``segment`` if given. A lead counts in a stage once, in the period it first reached it (by
    the stage history).

    >>> # monthly_funnel(store, by="week", segment="employees:50-249").series["mql"][-1]
    """
    if by not in PERIODS:
        raise InvalidInput(f"by must be one of {', '.join(PERIODS)}, not {by!r}", field="by")
    count = PERIODS[by] if periods is None else periods
    if count < 1:
        raise InvalidInput("periods must be at least 1", field="periods")
    seg = Segment.parse(segment) if isinstance(segment, str) else segment
    source = source or None
    first = _scoped(
        select(StageChange.to_stage.label("stage"), func.min(StageChange.at).label("at"))
        .join(Lead, Lead.id == StageChange.lead_id)
        .where(StageChange.to_stage.in_(PERIOD_STAGES))
        .group_by(StageChange.lead_id, StageChange.to_stage),
        source,
        seg,
    ).subquery()
    day = _day_number(first.c.at).label("d")
    reached = select(first.c.stage, day, func.count()).group_by(first.c.stage, day)
    created_day = _day_number(Lead.created_at).label("d")
    created = _scoped(select(created_day, func.count()).select_from(Lead), source, seg)
    created = created.group_by(created_day)
    counts: dict[str, dict[date, int]] = {"leads": {}, **{st: {} for st in PERIOD_STAGES}}
    with store.session() as s:
        rows = [("leads", d, n) for d, n in s.execute(created)]
        rows += [(st, d, n) for st, d, n in s.execute(reached)]
        for name, d, n in rows:
            key = _period_start(int(d), by)
            counts[name][key] = counts[name].get(key, 0) + int(n)
        seen = sorted({k for per in counts.values() for k in per})
        keys: list[date] = []
        if seen:
            at = seen[-1]
            while len(keys) < count and at >= seen[0]:
                keys.append(at)
                at = _previous(at, by)
            keys.reverse()
        times = _time_in_stage(s, datetime.combine(keys[0], time()), source, seg) if keys else {}
    series = {name: [per.get(k, 0) for k in keys] for name, per in counts.items()}
    totals = {name: sum(values) for name, values in series.items()}

    def rate(a: int, b: int) -> float | None:
        return round(b / a, 4) if a else None

    return PeriodFunnel(
        by=by,
        periods=[k.isoformat()[:7] if by == "month" else k.isoformat() for k in keys],
        series=series,
        totals=totals,
        conversion={
            "lead→mql": rate(totals["leads"], totals["mql"]),
            "mql→sql": rate(totals["mql"], totals["sql"]),
            "mql→won": rate(totals["mql"], totals["customer"]),
        },
        time_in_stage=times,
        source=source,
        segment=None if seg is None else str(seg),
    )
