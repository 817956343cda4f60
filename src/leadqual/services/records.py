"""Reading the store's records page by page: leads (filtered and sorted), one lead with its
timeline, accounts, contacts and deals — what the API's read endpoints show.

Every function returns plain dicts (JSON-ready) so adapters never see ORM objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from leadqual.domain.lifecycle import STAGES
from leadqual.errors import InvalidInput, NotFound
from leadqual.ingest.fields import closest
from leadqual.store.database import Store
from leadqual.store.models import (
    Account,
    BantAnswer,
    Contact,
    Deal,
    Event,
    Lead,
    LeadScore,
    StageChange,
)

__all__ = [
    "LEAD_SORTS",
    "LeadFilter",
    "Page",
    "get_account",
    "get_contact",
    "get_deal",
    "get_lead",
    "list_accounts",
    "list_contacts",
    "list_deals",
    "list_leads_page",
]

MAX_LIMIT = 500
TIMELINE_EVENTS = 200


@dataclass(frozen=True)
class Page:
    """One page of a listing: ``total`` rows match, ``items`` are those from ``offset``."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int

    def as_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "total": self.total,
            "limit": self.limit,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class LeadFilter:
    """Which leads to list: every given condition must hold. ``since`` keeps leads created or
    moved to another stage at or after that time."""

    stage: str | None = None
    owner: str | None = None
    since: datetime | None = None
    min_fit: float | None = None
    min_intent: float | None = None
    min_score: float | None = None
    account_domain: str | None = None
    source: str | None = None  # where the lead came from (its import or the tracker)


def _check_page(limit: int, offset: int) -> None:
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    if offset < 0:
        raise InvalidInput("offset must be 0 or more", field="offset")


def _page(s: Session, stmt: Any, limit: int, offset: int) -> tuple[int, list[Any]]:
    total = s.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = s.execute(stmt.limit(limit).offset(offset)).all()
    return total, list(rows)


# A lead's current score is its lead_scores row with no newer row (higher id) of the same lead.
# SQLite answers this join with (lead_id, id) index probes per lead and PostgreSQL with a hash
# anti-join; joining a grouped max(id) subquery instead made SQLite rescan the subquery for
# every lead (quadratic), and a correlated max(id) per lead is slow on PostgreSQL.
_SCORE = aliased(LeadScore, name="score")
_NEWER = aliased(LeadScore, name="newer")
_IS_LATEST_SCORE = and_(
    _SCORE.lead_id == Lead.id,
    ~exists().where(_NEWER.lead_id == _SCORE.lead_id, _NEWER.id > _SCORE.id),
)
LEAD_SORTS: dict[str, Any] = {
    "score": _SCORE.p_win,
    "fit": Lead.fit,
    "intent": Lead.intent,
    "stage": Lead.stage,
    "owner": Lead.owner,
    "created_at": Lead.created_at,
    "stage_changed_at": Lead.stage_changed_at,
    "key": Lead.key,
}


def _order(sort: str) -> list[Any]:
    name, descending = (sort[1:], True) if sort.startswith("-") else (sort, False)
    if name not in LEAD_SORTS:
        near = closest(name, list(LEAD_SORTS))
        tip = f"did you mean {near!r}? " if near else ""
        raise InvalidInput(
            f"cannot sort by {sort!r}; {tip}sort by one of {', '.join(LEAD_SORTS)} "
            "(prefix '-' for descending)",
            field="sort",
        )
    col = LEAD_SORTS[name]
    first = col.desc().nulls_last() if descending else col.asc().nulls_last()
    return [first, Lead.key]


def _lead_row(r: Any) -> dict[str, Any]:
    return {
        "key": r.key,
        "account_domain": r.domain,
        "email": r.email,
        "stage": r.stage,
        "stage_changed_at": r.stage_changed_at,
        "fit": r.fit,
        "intent": None if r.intent is None else round(r.intent, 2),
        "p_win": r.p_win,
        "owner": r.owner,
        "source": r.source,
        "created_at": r.created_at,
        "reasons": list(r.reasons or []),
    }


def _leads_select() -> Any:
    return (
        select(
            Lead.id,
            Lead.key,
            Account.domain,
            Contact.email,
            Lead.stage,
            Lead.stage_changed_at,
            Lead.fit,
            Lead.intent,
            Lead.owner,
            Lead.source,
            Lead.created_at,
            Lead.reasons,
            Lead.qualified_at,
            _SCORE.p_win,
            _SCORE.model_version,
            _SCORE.reasons.label("score_reasons"),
            _SCORE.scored_at,
        )
        .outerjoin(Account, Account.id == Lead.account_id)
        .outerjoin(Contact, Contact.id == Lead.contact_id)
        .outerjoin(_SCORE, _IS_LATEST_SCORE)
    )


def _lead_conditions(where: LeadFilter) -> list[Any]:
    conditions: list[Any] = []
    if where.stage is not None:
        conditions.append(Lead.stage == where.stage)
    if where.owner is not None:
        conditions.append(Lead.owner == where.owner)
    if where.since is not None:
        conditions.append(or_(Lead.created_at >= where.since, Lead.stage_changed_at >= where.since))
    if where.min_fit is not None:
        conditions.append(Lead.fit >= where.min_fit)
    if where.min_intent is not None:
        conditions.append(Lead.intent >= where.min_intent)
    if where.min_score is not None:
        conditions.append(_SCORE.p_win >= where.min_score)
    if where.account_domain is not None:
        conditions.append(Account.domain == where.account_domain.strip().lower())
    if where.source is not None:
        conditions.append(Lead.source == where.source)
    return conditions


def list_leads_page(
    store: Store, where: LeadFilter, *, sort: str = "-fit", limit: int = 50, offset: int = 0
) -> Page:
    """A page of leads matching ``where``, sorted by ``sort`` (a field of ``LEAD_SORTS``, '-' for
    descending; missing values last; ties by key).

    >>> # list_leads_page(store, LeadFilter(stage="mql"), sort="-score", limit=20).total
    """
    _check_page(limit, offset)
    if where.stage is not None and where.stage not in STAGES:
        raise InvalidInput(
            f"unknown stage {where.stage!r}; stages are {', '.join(STAGES)}", field="stage"
        )
    conditions = _lead_conditions(where)
    # The count joins only what the filters need: the outer joins cannot add or drop a lead
    # (one account, one contact and one latest score at most), and skipping them is most of
    # the count's time on a large store.
    count = select(func.count()).select_from(Lead)
    if where.account_domain is not None:
        count = count.outerjoin(Account, Account.id == Lead.account_id)
    if where.min_score is not None:
        count = count.outerjoin(_SCORE, _IS_LATEST_SCORE)
    stmt = _leads_select().where(*conditions).order_by(*_order(sort))
    with store.session() as s:
        total = s.scalar(count.where(*conditions)) or 0
        rows = s.execute(stmt.limit(limit).offset(offset)).all()
    return Page([_lead_row(r) for r in rows], total, limit, offset)


def get_lead(store: Store, key: str, *, events: int = TIMELINE_EVENTS) -> dict[str, Any]:
    """One lead: its stage, fit, intent and reasons, its latest score with its reasons, its events
    (newest first, at most ``events``), its stage history (oldest first) and BANT answers.

    >>> # get_lead(store, "ana@acme.com")["history"][-1]["to_stage"]
    """
    with store.session() as s:
        r = s.execute(_leads_select().where(Lead.key == key.strip().lower())).first()
        if r is None:
            raise NotFound(f"there is no lead {key!r}; GET /leads lists them", field="key")
        lead = _lead_row(r)
        lead["qualified_at"] = r.qualified_at
        lead["score"] = (
            None
            if r.p_win is None
            else {
                "p_win": r.p_win,
                "model_version": r.model_version,
                "reasons": list(r.score_reasons or []),
                "scored_at": r.scored_at,
            }
        )
        evs = s.scalars(
            select(Event)
            .where(Event.lead_id == r.id)
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(events)
        ).all()
        lead["events"] = [
            {
                "event_id": e.event_id,
                "type": e.type,
                "occurred_at": e.occurred_at,
                "url": e.url,
                "path": e.path,
                "page_type": e.page_type,
                "title": e.title,
                "form_kind": e.form_kind,
                "dwell_ms": e.dwell_ms,
                "source": e.source,
            }
            for e in evs
        ]
        history = s.scalars(
            select(StageChange)
            .where(StageChange.lead_id == r.id)
            .order_by(StageChange.at, StageChange.id)
        ).all()
        lead["history"] = [
            {
                "from_stage": h.from_stage,
                "to_stage": h.to_stage,
                "at": h.at,
                "reason": h.reason,
                "rule": h.rule,
                "contract_version": h.contract_version,
                "by_user": h.by_user,
            }
            for h in history
        ]
        bant = s.scalars(
            select(BantAnswer)
            .where(BantAnswer.lead_id == r.id)
            .order_by(BantAnswer.confirmed_at, BantAnswer.id)
        ).all()
        lead["bant"] = [
            {
                "criterion": b.criterion,
                "confirmed": b.confirmed,
                "note": b.note,
                "confirmed_by": b.confirmed_by,
                "confirmed_at": b.confirmed_at,
            }
            for b in bant
        ]
    return lead


def _account(a: Account) -> dict[str, Any]:
    return {
        "domain": a.domain,
        "name": a.name,
        "industry": a.industry,
        "employees": a.employees,
        "annual_revenue": a.annual_revenue,
        "country": a.country,
        "technologies": list(a.technologies or []),
        "monthly_visits": a.monthly_visits,
        "ad_spend": a.ad_spend,
        "department_sizes": dict(a.department_sizes or {}),
        "attributes": dict(a.attributes or {}),
        "external_id": a.external_id,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def list_accounts(
    store: Store,
    *,
    industry: str | None = None,
    country: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """A page of accounts by domain, optionally of one industry and country."""
    _check_page(limit, offset)
    stmt = select(Account).order_by(Account.domain)
    if industry is not None:
        stmt = stmt.where(Account.industry == industry)
    if country is not None:
        stmt = stmt.where(Account.country == country)
    with store.session() as s:
        total, rows = _page(s, stmt, limit, offset)
        return Page([_account(r[0]) for r in rows], total, limit, offset)


def get_account(store: Store, domain: str) -> dict[str, Any]:
    """One account with the keys of its leads."""
    with store.session() as s:
        row = s.scalars(select(Account).where(Account.domain == domain.strip().lower())).first()
        if row is None:
            raise NotFound(
                f"there is no account {domain!r}; GET /accounts lists them", field="domain"
            )
        out = _account(row)
        out["leads"] = list(
            s.scalars(select(Lead.key).where(Lead.account_id == row.id).order_by(Lead.key)).all()
        )
    return out


def _contact(c: Contact, domain: str | None) -> dict[str, Any]:
    return {
        "email": c.email,
        "account_domain": domain,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "job_title": c.job_title,
        "consent_email": c.consent_email,
        "consent_tracking": c.consent_tracking,
        "external_id": c.external_id,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def list_contacts(
    store: Store, *, account_domain: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    """A page of contacts by email, optionally of one account."""
    _check_page(limit, offset)
    stmt = (
        select(Contact, Account.domain)
        .outerjoin(Account, Account.id == Contact.account_id)
        .order_by(Contact.email)
    )
    if account_domain is not None:
        stmt = stmt.where(Account.domain == account_domain.strip().lower())
    with store.session() as s:
        total, rows = _page(s, stmt, limit, offset)
        return Page([_contact(c, d) for c, d in rows], total, limit, offset)


def get_contact(store: Store, email: str) -> dict[str, Any]:
    """One contact."""
    stmt = (
        select(Contact, Account.domain)
        .outerjoin(Account, Account.id == Contact.account_id)
        .where(Contact.email == email.strip().lower())
    )
    with store.session() as s:
        row = s.execute(stmt).first()
        if row is None:
            raise NotFound(
                f"there is no contact {email!r}; GET /contacts lists them", field="email"
            )
        return _contact(row[0], row[1])


def _deal(d: Deal, domain: str | None, lead_key: str | None) -> dict[str, Any]:
    return {
        "deal_id": d.external_id,
        "account_domain": domain,
        "lead_key": lead_key,
        "name": d.name,
        "amount": d.amount,
        "stage": d.stage,
        "created_at": d.created_at,
        "closed_at": d.closed_at,
    }


def _deals_select() -> Any:
    return (
        select(Deal, Account.domain, Lead.key)
        .outerjoin(Account, Account.id == Deal.account_id)
        .outerjoin(Lead, Lead.id == Deal.lead_id)
    )


def list_deals(
    store: Store,
    *,
    stage: str | None = None,
    account_domain: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """A page of deals, newest first, optionally of one stage (open, won, lost) and account."""
    _check_page(limit, offset)
    if stage is not None and stage not in ("open", "won", "lost"):
        raise InvalidInput(
            f"unknown deal stage {stage!r}; deal stages are open, won, lost", field="stage"
        )
    stmt = _deals_select().order_by(Deal.created_at.desc().nulls_last(), Deal.external_id)
    if stage is not None:
        stmt = stmt.where(Deal.stage == stage)
    if account_domain is not None:
        stmt = stmt.where(Account.domain == account_domain.strip().lower())
    with store.session() as s:
        total, rows = _page(s, stmt, limit, offset)
        return Page([_deal(d, a, k) for d, a, k in rows], total, limit, offset)


def get_deal(store: Store, deal_id: str) -> dict[str, Any]:
    """One deal by its CRM id."""
    with store.session() as s:
        row = s.execute(_deals_select().where(Deal.external_id == deal_id)).first()
        if row is None:
            raise NotFound(f"there is no deal {deal_id!r}; GET /deals lists them", field="deal_id")
        return _deal(*row)
