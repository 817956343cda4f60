"""Who works each MQL and by when: owners from the contract's ``routing:`` section (rules, the
account's owner, round robin) and the first-touch deadline from its ``sla:`` section, in working
hours; the assignments and the overdue ones, as `leadqual assign`, `leadqual sla` and the API
list them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from leadqual.contract.model import Contract, Routing
from leadqual.errors import InvalidInput
from leadqual.handoff.routing import matching_rules, route
from leadqual.handoff.sla import WorkingCalendar, add_working_hours, working_hours_between
from leadqual.services.lookup import active, find_lead, lead_features
from leadqual.store.database import Store
from leadqual.store.models import Lead
from leadqual.store.tables_handoff import LeadAssignment

__all__ = [
    "AssignResult",
    "Assignment",
    "assign",
    "assign_on",
    "assignment_of",
    "calendar_of",
    "list_assignments",
    "overdue",
    "reassign",
]

_LEADS: Table = Lead.__table__  # type: ignore[assignment]
_ASSIGN: Table = LeadAssignment.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Assignment:
    key: str
    owner: str
    rule: str
    assigned_at: datetime
    due_at: datetime | None
    first_touch_at: datetime | None
    stage: str
    overdue_hours: float | None = None  # working hours past the deadline, when overdue

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class AssignResult:
    assigned: int
    by_owner: dict[str, int]
    by_rule: dict[str, int]
    contract_version: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def assignment_of(row: LeadAssignment, lead: Lead) -> Assignment:
    """The view of one assignment row of ``lead``."""
    return Assignment(
        lead.key, row.owner, row.rule, row.assigned_at, row.due_at, row.first_touch_at, lead.stage
    )


def calendar_of(contract: Contract | None) -> WorkingCalendar:
    """The working calendar of the contract's ``sla:`` section (Mon–Fri 09–17 UTC without one)."""
    if contract is None or contract.sla is None:
        return WorkingCalendar()
    sla = contract.sla
    return WorkingCalendar(
        days=sla.days,
        start=sla.start_minute,
        end=sla.end_minute,
        holidays=tuple(date.fromisoformat(d) for d in sla.holidays),
        utc_offset_hours=sla.utc_offset_hours,
    )


def _routing_of(contract: Contract | None, owners: Sequence[str] | None) -> Routing:
    """The contract's routing, or round robin over ``owners`` when it has none."""
    if contract is not None and contract.routing is not None:
        return contract.routing
    if not owners:
        raise InvalidInput(
            "no sales owners to assign to: add a `routing:` section with `owners:` to the "
            "contract, or pass owners (`leadqual assign --owner ana@x.com --owner …`)",
            field="owners",
        )
    return Routing(tuple(dict.fromkeys(owners)))


def assign_on(
    conn: Connection,
    lead_ids: Sequence[int],
    *,
    at: datetime,
    contract: Contract | None,
    version: int | None,
    features: pa.Table | None = None,
    owners: Sequence[str] | None = None,
    first_touch_hours: float | None = None,
    by_user: str | None = None,
    renew: bool = False,
) -> AssignResult:
    """Assign ``lead_ids`` (those without an owner) on ``conn``'s transaction, so that an
    assignment commits with the stage change that made the MQL — `qualify` calls it for its new
    MQLs, `assign` for the ones that have none yet.

    Owners come from the contract's ``routing:`` section (rules, then the account's owner, then
    round robin); ``owners`` is the round-robin pool when the contract has no routing. The
    deadline is ``at`` plus the contract's ``sla.first_touch_hours`` working hours (none without an
    ``sla:`` section, unless ``first_touch_hours`` is given). ``features`` (the fit-scope feature
    table, any rows) is needed when the routing has rules. ``renew``: a lead that already has an
    owner keeps it but gets a new deadline from ``at`` and no first touch (it is an MQL again).
    """
    routing = _routing_of(contract, owners)
    hours = contract.sla.first_touch_hours if contract and contract.sla else first_touch_hours
    due: datetime | None = None
    if hours is not None:
        due = (
            add_working_hours(np.array([np.datetime64(at, "s")]), hours, calendar_of(contract))
            .astype("datetime64[us]")
            .tolist()[0]
        )
    ids = sorted(set(lead_ids))
    rows = conn.execute(
        select(_LEADS.c.id, _LEADS.c.account_id, _ASSIGN.c.id.label("assignment_id"))
        .outerjoin(_ASSIGN, _ASSIGN.c.lead_id == _LEADS.c.id)
        .where(_LEADS.c.id.in_(ids))
        .order_by(_LEADS.c.id)
    ).all()
    owned = [r.id for r in rows if r.assignment_id is not None]
    if renew and owned:
        conn.execute(
            update(_ASSIGN)
            .where(_ASSIGN.c.lead_id.in_(owned))
            .values(assigned_at=at, due_at=due, first_touch_at=None, contract_version=version)
        )
    rows = [r for r in rows if r.assignment_id is None]
    if not rows:
        return AssignResult(0, {}, {}, version)
    rules: list[int | None] = [None] * len(rows)
    if routing.rules:
        if features is None:
            raise ValueError("routing rules need the leads' features")
        want = pa.array([r.id for r in rows], pa.int64())
        table = features.filter(pc.is_in(features["lead_id"], value_set=want)).sort_by("lead_id")
        rules = matching_rules(table, routing)
    account_owners: dict[int, str] = {
        account: owner
        for account, owner in conn.execute(
            select(_LEADS.c.account_id, func.min(_ASSIGN.c.owner))
            .join(_ASSIGN, _ASSIGN.c.lead_id == _LEADS.c.id)
            .where(_LEADS.c.account_id.is_not(None))
            .group_by(_LEADS.c.account_id)
        )
    }
    last_owner: dict[str, str] = {}
    for name, owner in conn.execute(select(_ASSIGN.c.rule, _ASSIGN.c.owner).order_by(_ASSIGN.c.id)):
        last_owner[name] = owner
    routes = route(
        [r.id for r in rows],
        [r.account_id for r in rows],
        rules,
        routing,
        account_owners=account_owners,
        last_owner=last_owner,
    )
    conn.execute(
        insert(_ASSIGN),
        [
            {
                "lead_id": r.lead_id,
                "owner": r.owner,
                "rule": r.rule,
                "assigned_at": at,
                "due_at": due,
                "first_touch_at": None,
                "contract_version": version,
                "by_user": by_user,
            }
            for r in routes
        ],
    )
    conn.execute(
        update(_LEADS).where(_LEADS.c.id == bindparam("b_id")).values(owner=bindparam("b_owner")),
        [{"b_id": r.lead_id, "b_owner": r.owner} for r in routes],
    )
    by_owner: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for r in routes:
        by_owner[r.owner] = by_owner.get(r.owner, 0) + 1
        by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
    return AssignResult(len(routes), by_owner, by_rule, version)


def assign(
    store: Store,
    *,
    now: datetime,
    owners: Sequence[str] | None = None,
    first_touch_hours: float | None = None,
    by_user: str | None = None,
) -> AssignResult:
    """Give every MQL without an owner a sales owner and a first-touch deadline from ``now``.

    `qualify` already assigns its new MQLs when the contract has a ``routing:`` section; this is
    for the rest (a contract without routing: ``owners`` is then the round-robin pool) and for
    re-runs. Assigning again assigns only the new MQLs. See ``assign_on`` for the rules.

    >>> assign(store, now=datetime(2026, 3, 2, 9))  # doctest: +SKIP
    AssignResult(assigned=12, by_owner={'ana': 6, 'bo': 6}, ...)
    """
    with store.session() as s:
        version, contract = active(s)
        lead_ids = list(
            s.scalars(
                select(Lead.id)
                .outerjoin(LeadAssignment, LeadAssignment.lead_id == Lead.id)
                .where(Lead.stage == "mql", LeadAssignment.id.is_(None))
                .order_by(Lead.id)
            )
        )
    routing = _routing_of(contract, owners)  # refuses a contract without routing and no owners
    if not lead_ids:
        return AssignResult(0, {}, {}, version)
    features = None
    if routing.rules and contract is not None:
        features = lead_features(store, lead_ids, now, contract)
    with store.session() as s:
        return assign_on(
            s.connection(),
            lead_ids,
            at=now,
            contract=contract,
            version=version,
            features=features,
            owners=owners,
            first_touch_hours=first_touch_hours,
            by_user=by_user,
        )


def reassign(store: Store, key: str, owner: str, *, now: datetime, by_user: str) -> Assignment:
    """Give a lead to ``owner`` by hand (its deadline stays)."""
    owner = owner.strip()
    if not owner:
        raise InvalidInput("give the new owner's name or email", field="owner")
    with store.session() as s:
        lead = find_lead(s, key)
        row = s.scalars(select(LeadAssignment).where(LeadAssignment.lead_id == lead.id)).first()
        if row is None:
            row = LeadAssignment(lead_id=lead.id, assigned_at=now, due_at=None)
            s.add(row)
        row.owner, row.rule, row.by_user = owner, "manual", by_user
        lead.owner = owner
        s.flush()
        return assignment_of(row, lead)


def list_assignments(
    store: Store,
    *,
    now: datetime,
    owner: str | None = None,
    overdue_only: bool = False,
    key: str | None = None,
) -> list[Assignment]:
    """Assignments (newest first), optionally of one owner, of one lead (``key``) or only those
    overdue at ``now``: a deadline passed and no first touch yet."""
    stmt = (
        select(LeadAssignment, Lead.key, Lead.stage)
        .join(Lead, Lead.id == LeadAssignment.lead_id)
        .order_by(LeadAssignment.assigned_at.desc(), LeadAssignment.id.desc())
    )
    if owner is not None:
        stmt = stmt.where(LeadAssignment.owner == owner)
    if overdue_only:
        stmt = stmt.where(
            LeadAssignment.due_at < now,
            LeadAssignment.first_touch_at.is_(None),
            Lead.stage.in_(("mql", "sal")),
        )
    with store.session() as s:
        if key is not None:
            stmt = stmt.where(LeadAssignment.lead_id == find_lead(s, key).id)
        rows = s.execute(stmt).all()
        _, contract = active(s)
    late = [
        r
        for r in rows
        if r[0].due_at is not None and r[0].first_touch_at is None and r[0].due_at < now
    ]
    hours: dict[int, float] = {}
    if late:
        over = working_hours_between(
            np.array([r[0].due_at for r in late], dtype="datetime64[s]"),
            np.full(len(late), np.datetime64(now, "s")),
            calendar_of(contract),
        )
        hours = {r[0].id: round(float(h), 2) for r, h in zip(late, over, strict=True)}
    return [
        Assignment(
            key,
            a.owner,
            a.rule,
            a.assigned_at,
            a.due_at,
            a.first_touch_at,
            stage,
            hours.get(a.id),
        )
        for a, key, stage in rows
    ]


def overdue(store: Store, *, now: datetime, owner: str | None = None) -> list[Assignment]:
    """Open leads (``mql``/``sal``) past their first-touch deadline with no touch, most overdue
    first — what `leadqual sla` and the API list.

    >>> [a.key for a in overdue(store, now=datetime(2026, 3, 3, 12))]  # doctest: +SKIP
    ['ana@acme.com']
    """
    rows = list_assignments(store, now=now, owner=owner, overdue_only=True)
    return sorted(rows, key=lambda a: (-(a.overdue_hours or 0.0), a.key))

