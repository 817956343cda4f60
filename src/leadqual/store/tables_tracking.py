"""The tables of website tracking (``services/tracking.py``, ``services/privacy.py``).

- ``tracking_sites``: a tracked website, its public key (carried by the snippet) and the origins
  allowed to post to ``/collect`` (CORS).
- ``tracking_visitors``: a first-party visitor id, first and last seen, and the contact it was
  linked to when the visitor submitted a form with an email.
- ``tracking_bot_drops``: events dropped as bots, counted per site, day and reason.
- ``tracking_erasures``: the erasure log — who was erased (a keyed hash of the email, never the
  email) and what was removed.
- ``tracking_privacy_keys``: the store's generated key for keyed hashes (unless
  ``LEADQUAL_PRIVACY_KEY`` is set).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from leadqual.store.models import Base

__all__ = ["BotDrop", "Erasure", "PrivacyKey", "Site", "Visitor"]


class Site(Base):
    __tablename__ = "tracking_sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    domain: Mapped[str] = mapped_column(String(255), unique=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    origins: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class Visitor(Base):
    __tablename__ = "tracking_visitors"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visitor_id: Mapped[str] = mapped_column(String(100), unique=True)
    site_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id"), index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime, index=True)
    linked_at: Mapped[datetime | None] = mapped_column(DateTime)


class BotDrop(Base):
    """Events dropped as bots: ``count`` per site, UTC day and reason (``user_agent:<pattern>``
    is not kept — only the rule family, e.g. ``user_agent``, ``page_rate``, ``no_user_agent``)."""

    __tablename__ = "tracking_bot_drops"
    __table_args__ = (UniqueConstraint("site_id", "day", "reason"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer)
    day: Mapped[datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(50))
    count: Mapped[int] = mapped_column(Integer, default=0)


class Erasure(Base):
    """One ``leadqual erase``: a keyed hash of the email and what was removed."""

    __tablename__ = "tracking_erasures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64), index=True)
    erased_at: Mapped[datetime] = mapped_column(DateTime)
    removed: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PrivacyKey(Base):
    __tablename__ = "tracking_privacy_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime)
