"""The tables of the hand-off to sales (``services/handoff.py``, ``services/webhooks.py``,
``services/contracts.py``).

- ``lead_assignments``: the sales owner of a lead, when it was assigned, its first-touch SLA and
  when sales first touched it (one row per lead; reassigning updates it).
- ``sales_feedback``: append-only accept/reject verdicts, with the reason from the fixed list.
- ``webhook_subscriptions`` / ``webhook_outbox`` / ``webhook_deliveries`` / ``webhook_attempts``:
  the transactional outbox. An outbox row is written in the same transaction as the stage change
  it announces; a delivery row (one per outbox row × subscription) is delivered successfully at
  most once (``delivered_at``), and every HTTP attempt is logged.
- ``contract_proposals`` / ``contract_approvals``: a contract version waiting for (or activated
  by) the marketing and the sales sign-off; a rollback is a proposal of an earlier version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from leadqual.store.models import Base

__all__ = [
    "ContractApproval",
    "ContractProposal",
    "LeadAssignment",
    "SalesFeedback",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookOutbox",
    "WebhookSubscription",
]


class LeadAssignment(Base):
    """The sales owner of a lead and its first-touch SLA."""

    __tablename__ = "lead_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), unique=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    rule: Mapped[str] = mapped_column(String(255))  # round_robin | routing.rules.<name> | …
    assigned_at: Mapped[datetime] = mapped_column(DateTime)
    due_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    first_touch_at: Mapped[datetime | None] = mapped_column(DateTime)
    contract_version: Mapped[int | None] = mapped_column(Integer)
    by_user: Mapped[str | None] = mapped_column(String(255))


class SalesFeedback(Base):
    """Sales' verdict on a lead: accepted, or rejected with a reason (append-only)."""

    __tablename__ = "sales_feedback"
    __table_args__ = (Index("ix_sales_feedback_lead_at", "lead_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    verdict: Mapped[str] = mapped_column(String(10))  # accepted | rejected
    reason: Mapped[str | None] = mapped_column(String(40))
    note: Mapped[str | None] = mapped_column(Text)
    by_user: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime)
    contract_version: Mapped[int | None] = mapped_column(Integer)


class WebhookSubscription(Base):
    """A receiver of stage-change notifications."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(String(255))
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str] = mapped_column(String(10), default="json")  # json | slack
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WebhookOutbox(Base):
    """One notification, written in the transaction of the stage change it announces."""

    __tablename__ = "webhook_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event: Mapped[str] = mapped_column(String(20))  # mql | sql | rejected | recycled
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("leads.id"), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    fanned_out: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class WebhookDelivery(Base):
    """One outbox row for one subscription: pending until ``delivered_at`` (at most once) or
    ``gave_up_at``. ``locked_until`` is a lease so two workers never send it at the same time."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (UniqueConstraint("outbox_id", "subscription_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("webhook_outbox.id"))
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime)
    gave_up_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookAttempt(Base):
    """The delivery log: every HTTP attempt, with its status or error (append-only)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    ok: Mapped[bool] = mapped_column(Boolean)


class ContractProposal(Base):
    """A request to activate a contract version (a new one, or an earlier one: a rollback)."""

    __tablename__ = "contract_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(10))  # propose | rollback
    proposed_by: Mapped[str] = mapped_column(String(255))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime)
    note: Mapped[str | None] = mapped_column(Text)


class ContractApproval(Base):
    """One team's sign-off on a proposal; activation needs marketing and sales."""

    __tablename__ = "contract_approvals"
    __table_args__ = (UniqueConstraint("proposal_id", "team"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("contract_proposals.id"))
    team: Mapped[str] = mapped_column(String(20))  # marketing | sales
    by_user: Mapped[str] = mapped_column(String(255))
    at: Mapped[datetime] = mapped_column(DateTime)
