"""The hand-off to sales: record sales' verdicts and BANT answers (owners and the SLA are in
``assignments``, reading them back in ``feedback``).

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
from datetime import datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, Table, insert, select, update
from sqlalchemy.orm import Session

from leadqual.decide.evaluate import evaluate
from leadqual.domain.lifecycle import check_move
from leadqual.errors import Conflict, InvalidInput
from leadqual.handoff.feedback import check_reason
from leadqual.services.assignments import Assignment, assignment_of
from leadqual.services.lookup import active, active_version, find_lead, lead_features
from leadqual.services.webhooks import OutboxMove, event_for_move, write_outbox
from leadqual.store.database import Store
from leadqual.store.models import BantAnswer, Lead, StageChange
from leadqual.store.tables_handoff import LeadAssignment, SalesFeedback

__all__ = [
    "BANT_CRITERIA",
    "BantResult",
    "StageMove",
    "accept",
    "first_touch",
    "promote_sql",
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
class BantResult:
    key: str
    answers: dict[str, bool]
    bant_confirmed: bool
    moved: StageMove | None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "moved": self.moved.as_dict() if self.moved else None}


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
        lead = find_lead(s, key)
        if lead.stage != "mql":
            raise Conflict(
                f"lead {lead.key!r} is `{lead.stage}`, not `mql`: only an MQL can be accepted",
                field="key",
            )
        version = active_version(s)
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
        lead = find_lead(s, key)
        if lead.stage not in ("mql", "sal"):
            raise Conflict(
                f"lead {lead.key!r} is `{lead.stage}`: only an `mql` or `sal` lead can be rejected",
                field="key",
            )
        version = active_version(s)
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
        lead = find_lead(s, key)
        row = s.scalars(select(LeadAssignment).where(LeadAssignment.lead_id == lead.id)).first()
        if row is None:
            raise Conflict(
                f"lead {lead.key!r} has no owner yet; run `leadqual assign` first", field="key"
            )
        if row.first_touch_at is None:
            row.first_touch_at = at
        s.flush()
        return assignment_of(row, lead)


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
        version, contract = active(s)
    if contract is None:
        return []
    table = lead_features(store, lead_ids, as_of, contract, events)
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
        lead = find_lead(s, key)
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

