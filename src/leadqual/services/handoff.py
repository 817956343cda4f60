"""The hand-off to sales: assign new MQLs, record sales' verdicts and BANT answers, track the
first-touch SLA.

Every stage change here is appended to the stage history with the user and the active contract
version, and its webhook notification is written to the outbox in the same transaction.

Stage changes by sales:

- ``accept``: ``mql → sal``;
- ``reject``: ``mql``/``sal`` → ``recycled`` or ``disqualified``, by the reason
  (``handoff.feedback.REASONS``);
- ``record_bant``: stores the answers, then moves the lead to ``sql`` when the contract's
  ``stages.sql`` rule passes for it (by default: accepted, BANT confirmed, a meeting held).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from leadqual.contract.model import Contract, Routing
from leadqual.decide.evaluate import evaluate
from leadqual.domain.lifecycle import check_move
from leadqual.errors import Conflict, InvalidInput, NotFound
from leadqual.features.build import build_features
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.handoff.feedback import check_reason
from leadqual.handoff.routing import matching_rules, route
from leadqual.handoff.sla import WorkingCalendar, add_working_hours, working_hours_between
from leadqual.services.records import get_lead
from leadqual.services.webhooks import OutboxMove, event_for_move, write_outbox
from leadqual.store.database import Store
from leadqual.store.models import BantAnswer, ContractVersion, Lead, StageChange
from leadqual.store.tables_handoff import LeadAssignment, SalesFeedback

__all__ = [
    "BANT_CRITERIA",
    "AssignResult",
    "Assignment",
    "BantAnswerView",
    "BantResult",
    "FeedbackView",
    "LeadHandoff",
    "StageMove",
    "accept",
    "assign",
    "assign_on",
    "bant_answers",
    "calendar_of",
    "first_touch",
    "lead_detail",
    "lead_handoff",
    "list_assignments",
    "list_feedback",
    "overdue",
    "promote_sql",
    "reassign",
    "record_bant",
    "reject",
]

BANT_CRITERIA = ("budget", "authority", "need", "timing")
_HISTORY: Table = StageChange.__table__  # type: ignore[assignment]
_LEADS: Table = Lead.__table__  # type: ignore[assignment]
_ASSIGN: Table = LeadAssignment.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class StageMove:
    """A stage change sales caused."""

    key: str
    from_stage: str
    to_stage: str
    at: datetime
    reason: str
    by_user: str | None
    contract_version: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


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


@dataclass(frozen=True)
class BantResult:
    key: str
    answers: dict[str, bool]
    bant_confirmed: bool
    moved: StageMove | None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "moved": self.moved.as_dict() if self.moved else None}


# -- helpers ---------------------------------------------------------------------------------


def _active(s: Session) -> tuple[int | None, Contract | None]:
    from leadqual.contract.loader import load_contract

    row = s.scalars(select(ContractVersion).where(ContractVersion.active)).first()
    if row is None:
        return None, None
    return row.version, load_contract(row.text, source=f"contract version {row.version}")


def _active_version(s: Session) -> int | None:
    return s.scalar(select(ContractVersion.version).where(ContractVersion.active))


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


def _lead(s: Session, key: str) -> Lead:
    lead = s.scalars(select(Lead).where(Lead.key == key.strip().lower())).first()
    if lead is None:
        lead = s.scalars(select(Lead).where(Lead.key == key)).first()
    if lead is None:
        raise NotFound(
            f"there is no lead {key!r}; a lead's key is its contact's email or its account's "
            "domain (`leadqual leads` lists them)",
            field="key",
        )
    return lead


def _move(
    conn: Connection,
    lead: Lead,
    to_stage: str,
    *,
    reason: str,
    rule: str,
    by_user: str | None,
    version: int | None,
    at: datetime,
    now: datetime,
    event: str | None,
) -> StageMove:
    """Move one lead, append the history row and its outbox row — on ``conn``'s transaction."""
    from_stage = lead.stage
    check_move(from_stage, to_stage)
    moved = conn.execute(
        update(_LEADS)
        .where(_LEADS.c.id == lead.id, _LEADS.c.stage == from_stage)
        .values(stage=to_stage, stage_changed_at=at)
    )
    if moved.rowcount != 1:
        raise Conflict(
            f"lead {lead.key!r} changed stage while this was recorded; look at it again "
            "(`leadqual leads`) and retry",
            field="key",
        )
    conn.execute(
        insert(_HISTORY).values(
            lead_id=lead.id,
            from_stage=from_stage,
            to_stage=to_stage,
            at=at,
            reason=reason,
            rule=rule,
            contract_version=version,
            by_user=by_user,
            recorded_at=now,
        )
    )
    if event is not None:
        write_outbox(
            conn,
            [OutboxMove(lead.id, event, from_stage, to_stage, at, reason, rule, version, by_user)],
            now=now,
        )
    return StageMove(lead.key, from_stage, to_stage, at, reason, by_user, version)


def _touch(conn: Connection, lead_id: int, at: datetime) -> None:
    conn.execute(
        update(_ASSIGN)
        .where(_ASSIGN.c.lead_id == lead_id, _ASSIGN.c.first_touch_at.is_(None))
        .values(first_touch_at=at)
    )


# -- routing ---------------------------------------------------------------------------------


def _subset(frames: StoreFrames, lead_ids: Sequence[int]) -> StoreFrames:
    ids = pa.array(sorted(lead_ids), pa.int64())

    def keep(t: pa.Table) -> pa.Table:
        return t.filter(pc.is_in(t["lead_id"], value_set=ids))

    return StoreFrames(
        leads=keep(frames.leads),
        events=keep(frames.events),
        deals=keep(frames.deals),
        bant=keep(frames.bant),
        accepted=keep(frames.accepted),
        until=frames.until,
    )


def _features(
    store: Store,
    lead_ids: Sequence[int],
    as_of: datetime,
    contract: Contract,
    events: pa.Table | None = None,
) -> Any:
    """The feature table of ``lead_ids``; ``events``: the store's events already read (any
    later ones are cut at ``as_of``), so that a caller doing this often reads them once."""
    frames = load_frames(store, until=as_of, with_events=events is None)
    if events is not None:
        frames = StoreFrames(
            leads=frames.leads,
            events=events,
            deals=frames.deals,
            bant=frames.bant,
            accepted=frames.accepted,
            until=as_of,
        )
    return build_features(_subset(frames, lead_ids), as_of, contract).table


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
        version, contract = _active(s)
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
        features = _features(store, lead_ids, now, contract)
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
        lead = _lead(s, key)
        row = s.scalars(select(LeadAssignment).where(LeadAssignment.lead_id == lead.id)).first()
        if row is None:
            row = LeadAssignment(lead_id=lead.id, assigned_at=now, due_at=None)
            s.add(row)
        row.owner, row.rule, row.by_user = owner, "manual", by_user
        lead.owner = owner
        s.flush()
        return Assignment(
            lead.key,
            row.owner,
            row.rule,
            row.assigned_at,
            row.due_at,
            row.first_touch_at,
            lead.stage,
        )


# -- feedback --------------------------------------------------------------------------------


def accept(
    store: Store,
    key: str,
    *,
    by_user: str,
    now: datetime,
    at: datetime | None = None,
    note: str | None = None,
) -> StageMove:
    """Sales accepts an MQL: ``mql → sal``, recorded with ``by_user`` (and counted as the first
    touch). ``at`` (default ``now``) is when it happened.

    >>> accept(store, "ana@acme.com", by_user="bo", now=datetime(2026, 3, 2, 10))  # doctest: +SKIP
    """
    at = at or now
    with store.session() as s:
        lead = _lead(s, key)
        if lead.stage != "mql":
            raise Conflict(
                f"lead {lead.key!r} is `{lead.stage}`, not `mql`: only an MQL can be accepted",
                field="key",
            )
        version = _active_version(s)
        conn = s.connection()
        moved = _move(
            conn,
            lead,
            "sal",
            reason="accepted by sales" + (f": {note}" if note else ""),
            rule="sales.accept",
            by_user=by_user,
            version=version,
            at=at,
            now=now,
            event=None,
        )
        s.add(
            SalesFeedback(
                lead_id=lead.id,
                verdict="accepted",
                reason=None,
                note=note,
                by_user=by_user,
                at=at,
                contract_version=version,
            )
        )
        _touch(conn, lead.id, at)
        return moved


def reject(
    store: Store,
    key: str,
    reason: str,
    *,
    by_user: str,
    now: datetime,
    at: datetime | None = None,
    note: str | None = None,
) -> StageMove:
    """Sales rejects an MQL (or an accepted lead) for ``reason`` (``handoff.feedback.REASONS``):
    it goes back to nurture or out, by the reason; a ``rejected`` webhook is sent.

    >>> reject(store, "ana@acme.com", "no_budget", by_user="bo",
    ...        now=datetime(2026, 3, 2, 10))  # doctest: +SKIP
    """
    why = check_reason(reason)
    at = at or now
    with store.session() as s:
        lead = _lead(s, key)
        if lead.stage not in ("mql", "sal"):
            raise Conflict(
                f"lead {lead.key!r} is `{lead.stage}`: only an `mql` or `sal` lead can be rejected",
                field="key",
            )
        version = _active_version(s)
        conn = s.connection()
        moved = _move(
            conn,
            lead,
            why.stage,
            reason=f"rejected by sales: {why.label}" + (f" — {note}" if note else ""),
            rule=f"sales.reject.{why.code}",
            by_user=by_user,
            version=version,
            at=at,
            now=now,
            event=event_for_move(lead.stage, why.stage, rejected=True),
        )
        s.add(
            SalesFeedback(
                lead_id=lead.id,
                verdict="rejected",
                reason=why.code,
                note=note,
                by_user=by_user,
                at=at,
                contract_version=version,
            )
        )
        _touch(conn, lead.id, at)
        return moved


def first_touch(
    store: Store, key: str, *, by_user: str, now: datetime, at: datetime | None = None
) -> Assignment:
    """Record that sales first contacted the lead (the SLA clock stops; later touches keep the
    first time)."""
    at = at or now
    with store.session() as s:
        lead = _lead(s, key)
        row = s.scalars(select(LeadAssignment).where(LeadAssignment.lead_id == lead.id)).first()
        if row is None:
            raise Conflict(
                f"lead {lead.key!r} has no owner yet; run `leadqual assign` first", field="key"
            )
        if row.first_touch_at is None:
            row.first_touch_at = at
        s.flush()
        return Assignment(
            lead.key,
            row.owner,
            row.rule,
            row.assigned_at,
            row.due_at,
            row.first_touch_at,
            lead.stage,
        )


# -- BANT and SQL ----------------------------------------------------------------------------


def promote_sql(
    store: Store,
    lead_ids: Sequence[int],
    *,
    as_of: datetime,
    now: datetime,
    by_user: str | None,
    at: Mapping[int, datetime] | None = None,
    events: pa.Table | None = None,
) -> list[StageMove]:
    """Move each of ``lead_ids`` that is ``mql``/``sal`` and passes the contract's SQL rule as
    of ``as_of`` to ``sql`` (one feature build for all of them). ``at``: the time of each move
    (default ``as_of``); ``events``: the store's events, when the caller has read them."""
    if not lead_ids:
        return []
    with store.session() as s:
        version, contract = _active(s)
    if contract is None:
        return []
    table = _features(store, lead_ids, as_of, contract, events)
    ev = evaluate(table, contract).table
    passed = [
        lead_id
        for lead_id, stage, ok in zip(
            ev["lead_id"].to_pylist(),
            ev["stage"].to_pylist(),
            ev["rule:sql"].to_pylist(),
            strict=True,
        )
        if ok and stage in ("mql", "sal")
    ]
    moves = []
    with store.session() as s:
        conn = s.connection()
        for lead_id in passed:
            lead = s.get(Lead, lead_id)
            assert lead is not None
            moves.append(
                _move(
                    conn,
                    lead,
                    "sql",
                    reason=f"sql rule passed after BANT: {contract.stages.sql.source}",
                    rule="stages.sql",
                    by_user=by_user,
                    version=version,
                    at=(at or {}).get(lead_id, as_of),
                    now=now,
                    event="sql",
                )
            )
    return moves


def record_bant(
    store: Store,
    key: str,
    answers: Mapping[str, bool],
    *,
    by_user: str,
    now: datetime,
    at: datetime | None = None,
    note: str | None = None,
) -> BantResult:
    """Record BANT answers (``budget``, ``authority``, ``need``, ``timing`` → confirmed or not),
    then move the lead to ``sql`` if the contract's SQL rule now passes.

    >>> record_bant(store, "ana@acme.com", {"budget": True, "need": True}, by_user="bo",
    ...             now=datetime(2026, 3, 2, 10))  # doctest: +SKIP
    """
    unknown = [c for c in answers if c not in BANT_CRITERIA]
    if unknown or not answers:
        raise InvalidInput(
            f"unknown BANT criterion {', '.join(unknown) or '(none given)'}; criteria are "
            f"{', '.join(BANT_CRITERIA)}",
            field="answers",
        )
    at = at or now
    with store.session() as s:
        lead = _lead(s, key)
        lead_id, lead_key = lead.id, lead.key
        conn = s.connection()
        for criterion, confirmed in answers.items():
            s.add(
                BantAnswer(
                    lead_id=lead.id,
                    criterion=criterion,
                    confirmed=bool(confirmed),
                    note=note,
                    confirmed_by=by_user,
                    confirmed_at=at,
                )
            )
        _touch(conn, lead.id, at)
        latest = _latest_bant(s, lead.id)
    moved = promote_sql(store, [lead_id], as_of=at, now=now, by_user=by_user)
    return BantResult(
        lead_key,
        latest,
        all(latest.get(c, False) for c in BANT_CRITERIA),
        moved[0] if moved else None,
    )


def _latest_bant(s: Session, lead_id: int) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for criterion, confirmed in s.execute(
        select(BantAnswer.criterion, BantAnswer.confirmed)
        .where(BantAnswer.lead_id == lead_id)
        .order_by(BantAnswer.confirmed_at, BantAnswer.id)
    ):
        out[criterion] = bool(confirmed)
    return out


# -- SLA -------------------------------------------------------------------------------------


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
            stmt = stmt.where(LeadAssignment.lead_id == _lead(s, key).id)
        rows = s.execute(stmt).all()
        _, contract = _active(s)
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


# -- reading feedback and BANT ---------------------------------------------------------------


@dataclass(frozen=True)
class FeedbackView:
    key: str
    verdict: str
    reason: str | None
    note: str | None
    by_user: str
    at: datetime
    contract_version: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class BantAnswerView:
    criterion: str
    confirmed: bool
    note: str | None
    by_user: str
    at: datetime

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def list_feedback(
    store: Store,
    *,
    key: str | None = None,
    verdict: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FeedbackView]:
    """Sales verdicts, newest first; of one lead (``key``) or one ``verdict`` if given."""
    if verdict is not None and verdict not in ("accepted", "rejected"):
        raise InvalidInput(
            f"unknown verdict {verdict!r}; verdicts are accepted, rejected", field="verdict"
        )
    stmt = (
        select(SalesFeedback, Lead.key)
        .join(Lead, Lead.id == SalesFeedback.lead_id)
        .order_by(SalesFeedback.at.desc(), SalesFeedback.id.desc())
        .limit(limit)
        .offset(offset)
    )
    with store.session() as s:
        if key is not None:
            stmt = stmt.where(SalesFeedback.lead_id == _lead(s, key).id)
        if verdict is not None:
            stmt = stmt.where(SalesFeedback.verdict == verdict)
        return [
            FeedbackView(k, f.verdict, f.reason, f.note, f.by_user, f.at, f.contract_version)
            for f, k in s.execute(stmt).all()
        ]


def bant_answers(store: Store, key: str) -> list[BantAnswerView]:
    """Every BANT answer recorded for a lead, oldest first (the latest per criterion counts)."""
    with store.session() as s:
        lead = _lead(s, key)
        rows = s.scalars(
            select(BantAnswer)
            .where(BantAnswer.lead_id == lead.id)
            .order_by(BantAnswer.confirmed_at, BantAnswer.id)
        ).all()
        return [
            BantAnswerView(r.criterion, bool(r.confirmed), r.note, r.confirmed_by, r.confirmed_at)
            for r in rows
        ]


@dataclass(frozen=True)
class LeadHandoff:
    """What sales did with one lead: its owner and first-touch deadline, every verdict (newest
    first) and every BANT answer (oldest first; the latest per criterion counts)."""

    key: str
    stage: str
    owner: str | None
    assignment: Assignment | None
    verdicts: list[FeedbackView]
    bant: list[BantAnswerView]

    @property
    def bant_latest(self) -> dict[str, bool]:
        return {a.criterion: a.confirmed for a in self.bant}

    def as_dict(self) -> dict[str, Any]:
        latest = self.bant_latest
        return {
            "key": self.key,
            "stage": self.stage,
            "owner": self.owner,
            "assignment": self.assignment.as_dict() if self.assignment else None,
            "verdicts": [v.as_dict() for v in self.verdicts],
            # the shape of a lead's `bant` in `GET /leads/{key}`
            "bant": [
                {
                    "criterion": a.criterion,
                    "confirmed": a.confirmed,
                    "note": a.note,
                    "confirmed_by": a.by_user,
                    "confirmed_at": a.at,
                }
                for a in self.bant
            ],
            "bant_latest": latest,
            "bant_confirmed": all(latest.get(c, False) for c in BANT_CRITERIA),
        }


def lead_handoff(store: Store, key: str, *, now: datetime) -> LeadHandoff:
    """The hand-off of one lead (``NotFound`` for an unknown key); ``now`` dates how overdue it is.

    >>> lead_handoff(store, "ana@acme.com", now=datetime(2026, 3, 3)).as_dict()["verdicts"][0]
    ... # doctest: +SKIP
    {'key': 'ana@acme.com', 'verdict': 'rejected', 'reason': 'no_budget', 'by_user': 'bo', ...}
    """
    with store.session() as s:
        lead = _lead(s, key)
        found, stage, owner = lead.key, lead.stage, lead.owner
    assignments = list_assignments(store, now=now, key=found)
    return LeadHandoff(
        key=found,
        stage=stage,
        owner=owner,
        assignment=assignments[0] if assignments else None,
        verdicts=list_feedback(store, key=found, limit=10_000),
        bant=bant_answers(store, found),
    )


def lead_detail(store: Store, key: str, *, now: datetime) -> dict[str, Any]:
    """``records.get_lead`` (reasons, score, events, history, BANT) with what sales did: its
    ``assignment`` (owner, first-touch deadline) and its ``feedback`` (verdicts, newest first) —
    what `GET /leads/{key}` answers."""
    lead = get_lead(store, key)
    handoff = lead_handoff(store, lead["key"], now=now)
    return {
        **lead,
        "assignment": handoff.assignment.as_dict() if handoff.assignment else None,
        "feedback": [v.as_dict() for v in handoff.verdicts],
    }
