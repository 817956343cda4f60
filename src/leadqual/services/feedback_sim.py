"""Simulated sales feedback, for the demo: sales works through the open MQLs the way a real team
would, so the alignment report and the SQL stage have something to show.

For every MQL without a verdict since it became one (after assigning owners and deadlines to the
MQLs `qualify` did not already assign):

- the first touch comes a few working hours after the lead became an MQL (most within the SLA,
  some late);
- sales accepts it with a probability that rises with fit (a poor fit is mostly rejected);
- a rejection gets a realistic reason: the one matching a fit criterion the lead failed (small
  company → ``too_small``, wrong industry → ``wrong_industry``, junior title →
  ``not_decision_maker``, careers-page visitor → ``student_or_job_seeker``), else a timing or
  budget reason, with a few duplicates, competitors and spam;
- for most accepted leads sales records BANT a few working days later, each criterion confirmed
  with a probability that rises with fit; the contract's SQL rule then decides who becomes an SQL
  (by default: accepted, BANT confirmed and a meeting held).

Every verdict goes through the real services (``services.handoff``): stage history, feedback rows
and webhook outbox exactly as a person's clicks would write them. Deterministic for a seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
from sqlalchemy import or_, select

from leadqual.contract.model import Contract
from leadqual.handoff.sla import add_working_hours
from leadqual.services.assignments import assign, calendar_of
from leadqual.services.contracts import active_contract
from leadqual.services.handoff import BANT_CRITERIA, accept, promote_sql, reject
from leadqual.store.database import Store
from leadqual.store.models import BantAnswer, Lead
from leadqual.store.tables_handoff import SalesFeedback

__all__ = ["DEMO_OWNERS", "FeedbackSimResult", "simulate_feedback"]

DEMO_OWNERS = ("ana@sales.example", "bo@sales.example", "cy@sales.example")
SIM_USER = "sales (simulated)"

# A failed criterion on these fields is the reason sales gives.
_FIELD_REASONS = {
    "employees": "too_small",
    "annual_revenue": "too_small",
    "industry": "wrong_industry",
    "seniority": "not_decision_maker",
    "department": "not_decision_maker",
    "technologies": "no_need",
}
_OTHER = {
    "no_budget": 0.28,
    "bad_timing": 0.24,
    "no_need": 0.18,
    "duplicate": 0.1,
    "existing_customer": 0.06,
    "competitor": 0.06,
    "spam": 0.08,
}


@dataclass
class FeedbackSimResult:
    assigned: int = 0
    accepted: int = 0
    rejected: int = 0
    bant_recorded: int = 0
    sql: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: FeedbackSimResult) -> None:
        """Count ``other`` (a later run) in this one."""
        self.assigned += other.assigned
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.bant_recorded += other.bant_recorded
        self.sql += other.sql
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n
        self.reasons = dict(sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _rejection_reason(
    rng: np.random.Generator, contract: Contract, reasons: Sequence[str], fit_share: float
) -> str:
    passed = {r.split(" (", 1)[0] for r in reasons}
    specific: list[str] = []
    for c in contract.fit:
        failed = c.points > 0 and c.name not in passed
        bad_sign = c.points < 0 and c.name in passed
        if bad_sign and any("careers" in f for f in c.when.fields):
            specific.append("student_or_job_seeker")
        elif failed:
            specific.extend(_FIELD_REASONS[f] for f in c.when.fields if f in _FIELD_REASONS)
    if specific and rng.random() < 0.75 - 0.3 * fit_share:
        return str(rng.choice(sorted(set(specific))))
    names = list(_OTHER)
    weights = np.array(list(_OTHER.values()))
    return str(rng.choice(names, p=weights / weights.sum()))


def simulate_feedback(
    store: Store,
    *,
    as_of: datetime,
    now: datetime,
    seed: int = 0,
    owners: Sequence[str] = DEMO_OWNERS,
    first_touch_hours: float = 8.0,
    events: pa.Table | None = None,
) -> FeedbackSimResult:
    """Assign the open MQLs (as of ``as_of``) and let simulated sales decide on each one.

    ``owners`` and ``first_touch_hours`` apply when the contract has no ``routing:`` / ``sla:``.
    ``events``: the store's events already read (``StoreFrames.events``), for a caller that
    simulates several times over one store (the demo, once a month).

    >>> simulate_feedback(store, as_of=datetime(2026, 11, 30), now=datetime.now(UTC)
    ...                   .replace(tzinfo=None), seed=7).as_dict()  # doctest: +SKIP
    {'assigned': 84, 'accepted': 51, 'rejected': 33, 'bant_recorded': 38, 'sql': 12, ...}
    """
    rng = np.random.default_rng(seed)
    result = FeedbackSimResult()
    _, contract = active_contract(store)
    result.assigned = assign(
        store, now=as_of, owners=owners, first_touch_hours=first_touch_hours, by_user=SIM_USER
    ).assigned
    with store.session() as s:
        # A verdict since the lead last became an MQL; one that is an MQL again is decided anew.
        decided = (
            select(SalesFeedback.id)
            .where(
                SalesFeedback.lead_id == Lead.id,
                or_(Lead.stage_changed_at.is_(None), SalesFeedback.at >= Lead.stage_changed_at),
            )
            .exists()
        )
        rows = s.execute(
            select(Lead.id, Lead.key, Lead.fit, Lead.reasons, Lead.stage_changed_at)
            .where(Lead.stage == "mql", ~decided)
            .order_by(Lead.id)
        ).all()
    if not rows:
        return result
    cal = calendar_of(contract)
    fit_share = np.clip(np.array([r.fit or 0.0 for r in rows]) / max(contract.max_fit, 1.0), 0, 1)
    mql_at = np.array([r.stage_changed_at or as_of for r in rows], dtype="datetime64[s]")
    touch_hours = rng.gamma(2.0, 2.5, size=len(rows)) + 0.25  # mostly within a working day
    touched = add_working_hours(mql_at, touch_hours, cal).astype("datetime64[us]").tolist()
    accepted = rng.random(len(rows)) < 0.1 + 0.8 * fit_share**1.5
    bant_hours = rng.uniform(8, 80, size=len(rows))
    bant_at = add_working_hours(np.array(touched, dtype="datetime64[s]"), bant_hours, cal)
    bant_times = bant_at.astype("datetime64[us]").tolist()
    bant_leads: dict[int, datetime] = {}
    answers: list[BantAnswer] = []
    for i, row in enumerate(rows):
        if accepted[i]:
            accept(store, row.key, by_user=SIM_USER, now=now, at=touched[i])
            result.accepted += 1
            if rng.random() < 0.5 + 0.4 * fit_share[i]:
                p = 0.55 + 0.43 * fit_share[i]
                for criterion in BANT_CRITERIA:
                    answers.append(
                        BantAnswer(
                            lead_id=row.id,
                            criterion=criterion,
                            confirmed=bool(rng.random() < p),
                            note=None,
                            confirmed_by=SIM_USER,
                            confirmed_at=bant_times[i],
                        )
                    )
                bant_leads[row.id] = bant_times[i]
        else:
            reason = _rejection_reason(rng, contract, row.reasons or [], float(fit_share[i]))
            reject(store, row.key, reason, by_user=SIM_USER, now=now, at=touched[i])
            result.rejected += 1
            result.reasons[reason] = result.reasons.get(reason, 0) + 1
    if answers:
        with store.session() as s:
            s.add_all(answers)
    result.bant_recorded = len(bant_leads)
    if bant_leads:
        moves = promote_sql(
            store,
            sorted(bant_leads),
            as_of=max(bant_leads.values()),
            now=now,
            by_user=SIM_USER,
            at=bant_leads,
            events=events,
        )
        result.sql = len(moves)
    result.reasons = dict(sorted(result.reasons.items(), key=lambda kv: -kv[1]))
    return result
