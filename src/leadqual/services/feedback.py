"""Reading back what sales did: verdicts (accept / reject with a reason and a note), BANT
answers, and one lead's whole hand-off (owner, deadline, verdicts, answers) — what
`GET /leads/{key}` and `GET /leads/{key}/feedback` answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from leadqual.errors import InvalidInput
from leadqual.services.assignments import Assignment, list_assignments
from leadqual.services.handoff import BANT_CRITERIA
from leadqual.services.lookup import find_lead
from leadqual.services.records import get_lead
from leadqual.store.database import Store
from leadqual.store.models import BantAnswer, Lead
from leadqual.store.tables_handoff import SalesFeedback

__all__ = [
    "BantAnswerView",
    "FeedbackView",
    "LeadHandoff",
    "bant_answers",
    "lead_detail",
    "lead_handoff",
    "list_feedback",
]


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
            stmt = stmt.where(SalesFeedback.lead_id == find_lead(s, key).id)
        if verdict is not None:
            stmt = stmt.where(SalesFeedback.verdict == verdict)
        return [
            FeedbackView(k, f.verdict, f.reason, f.note, f.by_user, f.at, f.contract_version)
            for f, k in s.execute(stmt).all()
        ]


def bant_answers(store: Store, key: str) -> list[BantAnswerView]:
    """Every BANT answer recorded for a lead, oldest first (the latest per criterion counts)."""
    with store.session() as s:
        lead = find_lead(s, key)
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
        lead = find_lead(s, key)
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

