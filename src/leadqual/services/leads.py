"""Read leads and the funnel: what `leadqual leads`, `leadqual funnel` and the API show."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, or_, select

from leadqual.domain.lifecycle import STAGES
from leadqual.errors import InvalidInput
from leadqual.store.database import Store
from leadqual.store.models import Account, Contact, Lead, StageChange

__all__ = ["Funnel", "LeadView", "funnel", "list_leads"]


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
