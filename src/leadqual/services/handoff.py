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
    "StageMove",
    "accept",
    "assign",
    "bant_answers",
    "calendar_of",
    "first_touch",
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


def _features(store: Store, lead_ids: Sequence[int], as_of: datetime, contract: Contract) -> Any:
    frames = _subset(load_frames(store, until=as_of), lead_ids)
    return build_features(frames, as_of, contract).table


def assign(
    store: Store,
    *,
    now: datetime,
    owners: Sequence[str] | None = None,
    first_touch_hours: float | None = None,
    by_user: str | None = None,
) -> AssignResult:
    """Give every MQL without an owner a sales owner and a first-touch deadline.

    Owners come from the active contract's ``routing:`` section (rules, then the account's owner,
    then round robin); ``owners`` is the round-robin pool when the contract has no routing. The
    deadline is ``now`` plus the contract's ``sla.first_touch_hours`` working hours (none without
    an ``sla:`` section, unless ``first_touch_hours`` is given). Assigning again assigns only the
    new MQLs.

    >>> assign(store, now=datetime(2026, 3, 2, 9))  # doctest: +SKIP
    AssignResult(assigned=12, by_owner={'ana': 6, 'bo': 6}, ...)
    """
    with store.session() as s:
        version, contract = _active(s)
        routing = contract.routing if contract is not None else None
        if routing is None:
            if not owners:
                raise InvalidInput(
                    "no sales owners to assign to: add a `routing:` section with `owners:` to the "
                    "contract, or pass owners (`leadqual assign --owner ana@x.com --owner …`)",
                    field="owners",
                )
            routing = Routing(tuple(dict.fromkeys(owners)))
        rows = s.execute(
            select(Lead.id, Lead.account_id)
            .outerjoin(LeadAssignment, LeadAssignment.lead_id == Lead.id)
            .where(Lead.stage == "mql", LeadAssignment.id.is_(None))
            .order_by(Lead.id)
        ).all()
        account_owners: dict[int, str] = dict(
            s.execute(  # type: ignore[arg-type]
                select(Lead.account_id, func.min(LeadAssignment.owner))
                .join(LeadAssignment, LeadAssignment.lead_id == Lead.id)
                .where(Lead.account_id.is_not(None))
                .group_by(Lead.account_id)
            ).all()
        )
        last_owner: dict[str, str] = {}
        for name, owner in s.execute(
            select(LeadAssignment.rule, LeadAssignment.owner).order_by(LeadAssignment.id)
        ):
            last_owner[name] = owner
    if not rows:
        return AssignResult(0, {}, {}, version)
    lead_ids = [r.id for r in rows]
    rules: list[int | None] = [None] * len(rows)
    if routing.rules and contract is not None:
        rules = matching_rules(_features(store, lead_ids, now, contract), routing)
    routes = route(
        lead_ids,
        [r.account_id for r in rows],
        rules,
        routing,
        account_owners=account_owners,
        last_owner=last_owner,
    )
    due: list[datetime | None] = [None] * len(routes)
    hours = contract.sla.first_touch_hours if contract and contract.sla else first_touch_hours
    if hours is not None:
        when = np.full(len(routes), np.datetime64(now, "s"))
        due = (
            add_working_hours(when, hours, calendar_of(contract)).astype("datetime64[us]").tolist()
        )
    with store.session() as s:
        conn = s.connection()
        conn.execute(
            insert(_ASSIGN),
            [
                {
                    "lead_id": r.lead_id,
                    "owner": r.owner,
                    "rule": r.rule,
                    "assigned_at": now,
                    "due_at": d,
                    "first_touch_at": None,
                    "contract_version": version,
                    "by_user": by_user,
                }
                for r, d in zip(routes, due, strict=True)
            ],
        )
        conn.execute(
            update(_LEADS)
            .where(_LEADS.c.id == bindparam("b_id"))
            .values(owner=bindparam("b_owner")),
            [{"b_id": r.lead_id, "b_owner": r.owner} for r in routes],
        )
    by_owner: dict[str, int] = {}
    by_rule: dict[str, int] = {}
    for r in routes:
        by_owner[r.owner] = by_owner.get(r.owner, 0) + 1
        by_rule[r.rule] = by_rule.get(r.rule, 0) + 1
    return AssignResult(len(routes), by_owner, by_rule, version)


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
) -> list[StageMove]:
    """Move each of ``lead_ids`` that is ``mql``/``sal`` and passes the contract's SQL rule as
    of ``as_of`` to ``sql`` (one feature build for all of them). ``at``: the time of each move
    (default ``as_of``)."""
    if not lead_ids:
        return []
    with store.session() as s:
        version, contract = _active(s)
    if contract is None:
        return []
    table = _features(store, lead_ids, as_of, contract)
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
    store: Store, *, now: datetime, owner: str | None = None, overdue_only: bool = False
) -> list[Assignment]:
    """Assignments (newest first), optionally of one owner or only those overdue at ``now``:
    a deadline passed and no first touch yet."""
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
