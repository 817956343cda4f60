"""Qualify every lead against the active contract as of a time, and record the stage changes.

Deterministic for the same store, contract and as-of: the same leads move, with the same reasons.
Running it twice changes nothing the second time.

When the contract has a ``routing:`` section, the leads that become MQLs get a sales owner and a
first-touch deadline (``sla:``, counted from ``as_of``) in the same transaction as their stage
change, so `leadqual sla` sees them at once; a lead that is an MQL again keeps its owner and gets
a new deadline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Table, bindparam, insert, select, update

from leadqual.contract.model import Contract
from leadqual.decide.evaluate import Evaluation, settle
from leadqual.domain.lifecycle import STAGES
from leadqual.features.build import build_features
from leadqual.features.events import prepare_events
from leadqual.features.frames import StoreFrames, load_frames
from leadqual.services.assignments import assign_on
from leadqual.services.contracts import active_contract
from leadqual.services.webhooks import OutboxMove, event_for_move, write_outbox
from leadqual.store.database import Store
from leadqual.store.models import Lead, StageChange

__all__ = ["QualifyResult", "qualify"]

_LEADS: Table = Lead.__table__  # type: ignore[assignment]
_HISTORY: Table = StageChange.__table__  # type: ignore[assignment]


_EPOCH = datetime(1970, 1, 1)

@dataclass(frozen=True)
class QualifyResult:
    as_of: datetime
    contract_version: int
    counts: dict[str, int]
    changes: int
    moves: dict[str, int] = field(default_factory=dict)  # "lead→mql": n
    assigned: dict[str, int] = field(default_factory=dict)  # new MQLs per sales owner

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "contract_version": self.contract_version,
            "counts": self.counts,
            "changes": self.changes,
            "moves": self.moves,
            "assigned": self.assigned,
        }


def _why(row: dict[str, Any], contract: Contract) -> tuple[str, str]:
    """The rule and the plain-words reason for one lead's stage change."""
    to, fit, intent = row["new_stage"], row["fit"], row["intent"]
    scores = f"fit {fit:g}, intent {intent:.1f}"
    rules = contract.stages
    if to == "customer":
        return "deal.won", "a deal was won"
    if to == "opportunity":
        return "deal.open", "a deal is open"
    if to == "recycled" and row["stage"] == "opportunity":
        return "deal.lost", "the deal was lost and none is open"
    if to == "disqualified":
        name = row["rule:disqualify"]
        crit = next(d for d in rules.disqualify if d.name == name)
        return f"stages.disqualify.{name}", f"disqualified by {name}: {crit.when.source}"
    if to == "sql":
        return "stages.sql", f"sql rule passed: {rules.sql.source} ({scores})"
    if to == "mql":
        return "stages.mql", f"mql rule passed: {rules.mql.source} ({scores})"
    r = rules.recycle
    return "stages.recycle", (
        f"intent below {r.intent_below:g} for {r.for_days} days with no new signal ({scores})"
    )


def _record(
    store: Store,
    ev: Evaluation,
    changed: list[dict[str, Any]],
    contract: Contract,
    version: int,
    as_of: datetime,
    now: datetime,
    features: pa.Table,
) -> tuple[Counter[str], dict[str, int]]:
    t = ev.table
    leads = [
        {
            "b_id": lead_id,
            "b_fit": fit,
            "b_intent": intent,
            "b_reasons": reasons,
        }
        for lead_id, fit, intent, reasons in zip(
            t["lead_id"].to_pylist(),
            t["fit"].to_pylist(),
            t["intent"].to_pylist(),
            t["reasons"].to_pylist(),
            strict=True,
        )
    ]
    moves: Counter[str] = Counter()
    history = []
    for row in changed:
        rule, reason = _why(row, contract)
        moves[f"{row['stage']}→{row['new_stage']}"] += 1
        history.append(
            {
                "lead_id": row["lead_id"],
                "from_stage": row["stage"],
                "to_stage": row["new_stage"],
                "at": as_of,
                "reason": reason,
                "rule": rule,
                "contract_version": version,
                "by_user": None,
                "recorded_at": now,
            }
        )
    with store.session() as s:
        conn = s.connection()
        if leads:
            conn.execute(
                update(_LEADS)
                .where(_LEADS.c.id == bindparam("b_id"))
                .values(
                    fit=bindparam("b_fit"),
                    intent=bindparam("b_intent"),
                    reasons=bindparam("b_reasons"),
                    qualified_at=as_of,
                ),
                leads,
            )
        if changed:
            conn.execute(
                update(_LEADS)
                .where(_LEADS.c.id == bindparam("b_id"))
                .values(stage=bindparam("b_stage"), stage_changed_at=as_of),
                # the last move of each lead is where it ends
                [
                    {"b_id": i, "b_stage": st}
                    for i, st in {r["lead_id"]: r["new_stage"] for r in changed}.items()
                ],
            )
            conn.execute(insert(_HISTORY), history)
            # Webhook notifications commit with the changes they announce (transactional outbox).
            write_outbox(conn, _announced(history), now=now)
        assigned: dict[str, int] = {}
        ends = {r["lead_id"]: r["new_stage"] for r in changed}
        new_mqls = [lead_id for lead_id, stage in ends.items() if stage == "mql"]
        if contract.routing is not None and new_mqls:
            assigned = assign_on(
                conn,
                new_mqls,
                at=as_of,
                contract=contract,
                version=version,
                features=features,
                renew=True,
            ).by_owner
    return moves, assigned


def _announced(history: list[dict[str, Any]]) -> list[OutboxMove]:
    out = []
    for h in history:
        event = event_for_move(h["from_stage"], h["to_stage"])
        if event is not None:
            out.append(
                OutboxMove(
                    h["lead_id"],
                    event,
                    h["from_stage"],
                    h["to_stage"],
                    h["at"],
                    h["reason"],
                    h["rule"],
                    h["contract_version"],
                    None,
                )
            )
    return out


def qualify(
    store: Store, *, as_of: datetime, now: datetime, frames: StoreFrames | None = None
) -> QualifyResult:
    """Evaluate every lead against the active contract as of ``as_of`` and record the changes.

    ``frames`` lets a caller that qualifies at several times reuse one read of the store's events
    (they are cut at ``as_of`` here); leads and their stages are always read afresh.
    """
    info, contract = active_contract(store)
    fresh = load_frames(store, until=as_of) if frames is None else _refresh(store, frames, as_of)
    table = build_features(fresh, as_of, contract).table
    ev, changed = settle(table, contract)
    # A lead whose stage changed after ``as_of`` (sales acted later) keeps it: qualifying as of
    # an earlier time must not write history that runs backwards. A lead sales sent back to
    # nurture comes back only on intent it showed after that, not on what sales already judged.
    later = _moved_after(store, as_of) | _rejected_without_new_intent(
        store, fresh, contract, changed, as_of
    )
    if later:
        changed = [c for c in changed if c["lead_id"] not in later]
        keep = pc.is_in(ev.table["lead_id"], value_set=pa.array(sorted(later), pa.int64()))
        ev = Evaluation(
            ev.table.set_column(
                ev.table.schema.get_field_index("new_stage"),
                "new_stage",
                pc.if_else(keep, _stage_of(table, ev.table["lead_id"]), ev.table["new_stage"]),
            )
        )
    moves, assigned = _record(store, ev, changed, contract, info.version, as_of, now, table)
    counts = Counter(ev.table["new_stage"].to_pylist())
    return QualifyResult(
        as_of=as_of,
        contract_version=info.version,
        counts={s: counts.get(s, 0) for s in STAGES},
        changes=sum(moves.values()),
        moves=dict(sorted(moves.items())),
        assigned=dict(sorted(assigned.items())),
    )


def _refresh(store: Store, frames: StoreFrames, as_of: datetime) -> StoreFrames:
    """Stages, answers and acceptances change as we qualify; events do not."""
    new = load_frames(store, until=as_of, with_events=False)
    return StoreFrames(
        leads=new.leads,
        events=frames.events,
        deals=new.deals,
        bant=new.bant,
        accepted=new.accepted,
        until=as_of,
    )


def _moved_after(store: Store, as_of: datetime) -> set[int]:
    with store.session() as s:
        return set(s.scalars(select(Lead.id).where(Lead.stage_changed_at > as_of)))


def _stage_of(features: pa.Table, lead_ids: pa.ChunkedArray) -> pa.Array:
    """The stage each of ``lead_ids`` had before qualifying (the features' ``stage``)."""
    at = pc.index_in(lead_ids, value_set=features["lead_id"].combine_chunks())
    return pc.take(features["stage"], at)


def _rejected_without_new_intent(
    store: Store,
    frames: StoreFrames,
    contract: Contract,
    changed: list[dict[str, Any]],
    as_of: datetime,
) -> set[int]:
    """The leads that would go ``recycled → mql`` though a user (sales' rejection) recycled them
    and no intent-signal event of theirs came after it."""
    back = {c["lead_id"] for c in changed if c["stage"] == "recycled" and c["new_stage"] == "mql"}
    if not back:
        return set()
    with store.session() as s:
        rejected = dict(
            s.execute(
                select(Lead.id, Lead.stage_changed_at).where(
                    Lead.id.in_(sorted(back)),
                    Lead.stage == "recycled",
                    select(StageChange.by_user)
                    .where(StageChange.lead_id == Lead.id, StageChange.to_stage == "recycled")
                    .order_by(StageChange.at.desc(), StageChange.id.desc())
                    .limit(1)
                    .scalar_subquery()
                    .is_not(None),
                )
            ).all()
        )
    if not rejected:
        return set()
    lead_ids = frames.leads.column("lead_id").to_numpy()
    ev = prepare_events(frames.events, lead_ids, contract.intent.signals)
    signal = ev.matches.any(axis=1) & (ev.seconds <= _seconds(as_of))
    since = np.full(lead_ids.size, np.inf)
    for lead_id, at in rejected.items():
        if at is None:
            continue
        since[np.searchsorted(lead_ids, lead_id)] = _seconds(at)
    fresh_intent = np.zeros(lead_ids.size, dtype=bool)
    fresh_intent[ev.group[signal & (ev.seconds > since[ev.group])]] = True
    return {
        lead_id
        for lead_id, at in rejected.items()
        if at is not None and not fresh_intent[np.searchsorted(lead_ids, lead_id)]
    }


def _seconds(at: datetime) -> float:
    return (at - _EPOCH).total_seconds()
